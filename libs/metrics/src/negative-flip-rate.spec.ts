import { describe, expect, it } from 'vitest';
import { negativeFlipRate } from './index.js';

describe('negativeFlipRate', () => {
  it('counts samples the old version got right and the new one gets wrong', () => {
    // labels 0 1 2 3 4; old right at 0, 1, 3; new right at 0, 2 → negative flips at 1 and 3 → 2 / 5
    expect(negativeFlipRate([0, 1, 0, 3, 1], [0, 2, 2, 0, 1], [0, 1, 2, 3, 4])).toEqual({ value: 0.4, definition: 'negative-flip-rate' });
  });

  it('does not count positive flips', () => {
    // old wrong, new right everywhere → 0
    expect(negativeFlipRate([1, 0], [0, 1], [0, 1]).value).toBe(0);
  });

  it('needs aligned inputs', () => {
    expect(() => negativeFlipRate([0], [0, 1], [0, 1])).toThrow('got 1, 2, 2');
  });
});
