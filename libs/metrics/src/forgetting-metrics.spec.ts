import { describe, expect, it } from 'vitest';
import { averageAccuracy, averageForgetting, backwardTransfer, intransigence } from './index.js';

// a[k][j] (0-based): accuracy on experience j after training through experience k. Experience 1's
// accuracy peaks after experience 2 (0.9 > 0.8), so the max over earlier rows is not the diagonal.
const a = [
  [0.8, 0.1, 0.0, 0.0],
  [0.9, 0.7, 0.1, 0.0],
  [0.6, 0.75, 0.85, 0.05],
  [0.5, 0.4, 0.8, 0.9],
];

describe('Chaudhry et al. 2018 metrics', () => {
  it('A_k averages row k over the first k experiences', () => {
    // A_2 = (0.9 + 0.7) / 2 = 0.8; A_4 = (0.5 + 0.4 + 0.8 + 0.9) / 4 = 2.6 / 4 = 0.65
    expect(averageAccuracy(a, 2)).toEqual({
      value: expect.closeTo(0.8, 12),
      definition: 'average-accuracy-chaudhry-2018',
      params: { k: 2 },
    });
    expect(averageAccuracy(a).value).toBeCloseTo(0.65, 12);
    // Works on a matrix still being filled: only rows 1..k are needed.
    expect(averageAccuracy(a.slice(0, 1), 1).value).toBeCloseTo(0.8, 12);
  });

  it('F_k takes the max over all earlier rows, not the diagonal', () => {
    // f_1^4 = max(0.8, 0.9, 0.6) − 0.5 = 0.4
    // f_2^4 = max(0.1, 0.7, 0.75) − 0.4 = 0.35
    // f_3^4 = max(0.0, 0.1, 0.85) − 0.8 = 0.05
    // F_4 = (0.4 + 0.35 + 0.05) / 3 = 0.8 / 3 = 0.26666…
    const f4 = averageForgetting(a, 4);
    expect(f4.value).toBeCloseTo(0.8 / 3, 12);
    expect(f4.definition).toBe('forgetting-chaudhry-2018');
    // The diagonal-based BWT gives −(0.3 + 0.3 + 0.05) / 3 = −0.21666…, a different number.
    expect(backwardTransfer(a).value).toBeCloseTo(-0.65 / 3, 12);
    // F_2: f_1^2 = max(0.8) − 0.9 = −0.1 (negative: experience 1 improved)
    expect(averageForgetting(a, 2).value).toBeCloseTo(-0.1, 12);
  });

  it('F_k ranges l over every earlier row, including rows before experience j was trained', () => {
    // Domain-incremental style: experience 2 already scored 0.95 after experience 1 alone.
    const b = [
      [0.9, 0.95],
      [0.85, 0.7],
    ];
    // f_1^2 = 0.9 − 0.85 = 0.05; F_2 = 0.05 (row 1 only; the max in f is over l ∈ {1}).
    expect(averageForgetting(b, 2).value).toBeCloseTo(0.05, 12);
    const c = [
      [0.9, 0.95, 0.2],
      [0.85, 0.7, 0.3],
      [0.8, 0.6, 0.9],
    ];
    // f_1^3 = max(0.9, 0.85) − 0.8 = 0.1; f_2^3 = max(0.95, 0.7) − 0.6 = 0.35; F_3 = 0.45 / 2 = 0.225
    expect(averageForgetting(c, 3).value).toBeCloseTo(0.225, 12);
  });

  it('I_k compares the joint reference with the diagonal', () => {
    const joint = [0.85, 0.8, 0.9, 0.95];
    // I_4 = 0.95 − 0.9 = 0.05; I_2 = 0.8 − 0.7 = 0.1
    expect(intransigence(a, joint)).toEqual({
      value: expect.closeTo(0.05, 12),
      definition: 'intransigence-chaudhry-2018',
      params: { k: 4 },
    });
    expect(intransigence(a, joint, 2).value).toBeCloseTo(0.1, 12);
  });

  it('rejects k outside the rows there are', () => {
    expect(() => averageForgetting(a, 1)).toThrow('k must be an integer in [2, 4]');
    expect(() => averageAccuracy(a.slice(0, 2), 3)).toThrow('k must be an integer in [1, 2]');
    expect(() => intransigence(a, [0.9], 2)).toThrow(/jointReference\[1\]/);
  });
});
