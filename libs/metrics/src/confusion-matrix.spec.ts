import { describe, expect, it } from 'vitest';
import { confusionMatrix } from './index.js';

describe('confusionMatrix', () => {
  it('counts (true, predicted) pairs, rows are true classes', () => {
    // pairs: (0,0) (0,1) (1,1) (2,2) (2,0) (2,2)
    expect(confusionMatrix([0, 1, 1, 2, 0, 2], [0, 0, 1, 2, 2, 2], 3)).toEqual({
      numClasses: 3,
      counts: [
        [1, 1, 0],
        [0, 1, 0],
        [1, 0, 2],
      ],
    });
  });

  it('rejects classes outside the range', () => {
    expect(() => confusionMatrix([3], [0], 3)).toThrow('sample 0: label 0 / prediction 3 outside [0, 3)');
  });
});
