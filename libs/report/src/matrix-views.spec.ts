import { describe, expect, it } from 'vitest';
import { classForgetting, experienceForgetting, meanMatrix, seenAccuracyCurve } from './matrix-views.js';

const a = [
  [0.9, 0.0, 0.0],
  [0.7, 0.8, 0.0],
  [0.5, 0.6, 0.9],
];

describe('matrix views', () => {
  it('averages matrices over seeds, skipping values a seed does not have', () => {
    expect(meanMatrix([[[0.2, null]], [[0.4, null]]])).toEqual([[expect.closeTo(0.3, 12), null]]);
    expect(meanMatrix([[[0.2, 0.5]], [[null, 0.7]]])).toEqual([[0.2, expect.closeTo(0.6, 12)]]);
    expect(meanMatrix([])).toEqual([]);
  });

  it('the seen-accuracy curve averages the experiences trained so far only', () => {
    const curve = seenAccuracyCurve(a);
    expect(curve[0]).toBeCloseTo(0.9, 12);
    expect(curve[1]).toBeCloseTo(0.75, 12);
    expect(curve[2]).toBeCloseTo((0.5 + 0.6 + 0.9) / 3, 12);
  });

  it('forgetting per experience is the best accuracy before the last experience minus the final one', () => {
    const f = experienceForgetting(a);
    expect(f).toHaveLength(2);
    expect(f[0]).toBeCloseTo(0.9 - 0.5, 12);
    expect(f[1]).toBeCloseTo(0.8 - 0.6, 12);
    expect(experienceForgetting([[1]])).toEqual([]);
  });

  it('forgetting per class follows each class of the earlier experiences, once', () => {
    const c = [
      [1.0, 0.8, 0.0, 0.0],
      [0.6, 0.8, 0.9, 1.0],
      [0.5, 0.4, 0.7, 1.0],
    ];
    const f = classForgetting(c, [[0, 1], [2, 3], [0]]);
    expect(f.map((x) => [x.classId, x.experience])).toEqual([
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 1],
    ]);
    expect(f.map((x) => x.forgetting)).toEqual([expect.closeTo(0.5, 12), expect.closeTo(0.4, 12), expect.closeTo(0.2, 12), 0]);
    // A class with no test sample (null) has no forgetting rather than a made-up one.
    expect(classForgetting([[null], [null]], [[0], []])).toEqual([{ classId: 0, experience: 0, forgetting: null }]);
  });
});
