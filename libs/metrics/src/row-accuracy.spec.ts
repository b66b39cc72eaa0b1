import { describe, expect, it } from 'vitest';
import { predictionHits, rowAccuracy } from './index.js';

describe('rowAccuracy', () => {
  // Labels 7, 3, 9 became classes 0, 1 in order of arrival; 9 has not arrived.
  const classOf = new Map([
    [7, 0],
    [3, 1],
  ]);

  it('counts a prediction right when it is the class of the sample’s label', () => {
    // labels 7 3 7 3 → classes 0 1 0 1; predictions 0 1 1 1 → 3 of 4 right
    expect(rowAccuracy([0, 1, 1, 1], Int32Array.from([7, 3, 7, 3]), classOf)).toEqual({ value: 0.75, definition: 'accuracy' });
  });

  it('never counts a label without a class, nor the prediction −1, as right', () => {
    // label 9 has no class: wrong whatever is predicted; −1 (no class known) is wrong for 7 too
    expect(predictionHits([0, -1, 1], [9, 7, 3], classOf)).toEqual(Uint8Array.from([0, 0, 1]));
    const none = new Map<string, number>();
    expect(rowAccuracy([-1, -1], ['a', 'b'], none).value).toBe(0);
  });

  it('maps string labels too (the evaluator’s label names)', () => {
    const names = new Map([
      ['cat', 0],
      ['dog', 1],
    ]);
    expect(rowAccuracy(Int32Array.from([1, 1, 0]), ['dog', 'cat', 'cat'], names).value).toBeCloseTo(2 / 3, 12);
  });

  it('refuses an empty test set instead of reporting 0 %', () => {
    expect(() => rowAccuracy([], [], classOf)).toThrow('a test set of no samples has no accuracy');
    expect(() => rowAccuracy([0], [7, 3], classOf)).toThrow('got 1 predictions for 2 test samples');
  });
});
