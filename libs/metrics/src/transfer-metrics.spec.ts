import { describe, expect, it } from 'vitest';
import { averageFinalAccuracy, backwardTransfer, DEFINITIONS, forwardTransfer } from './index.js';

// R[i][j]: accuracy on experience j after training through experience i (T = 3).
const R = [
  [0.9, 0.1, 0.2],
  [0.6, 0.8, 0.3],
  [0.5, 0.7, 0.95],
];

describe('Lopez-Paz & Ranzato 2017 metrics', () => {
  it('ACC is the mean of the last row', () => {
    // (0.5 + 0.7 + 0.95) / 3 = 2.15 / 3 = 0.71666…
    const acc = averageFinalAccuracy(R);
    expect(acc.value).toBeCloseTo(2.15 / 3, 12);
    expect(acc.definition).toBe('acc-lopez-paz-2017');
  });

  it('BWT compares the last row with the diagonal', () => {
    // ((R31 − R11) + (R32 − R22)) / 2 = ((0.5 − 0.9) + (0.7 − 0.8)) / 2 = (−0.4 − 0.1) / 2 = −0.25
    expect(backwardTransfer(R)).toEqual({ value: expect.closeTo(-0.25, 12), definition: 'bwt-lopez-paz-2017' });
  });

  it('FWT compares the entry above the diagonal with the random-initialisation accuracy b_i', () => {
    // b = (0.1, 0.15, 0.1): ((R12 − b2) + (R23 − b3)) / 2 = ((0.1 − 0.15) + (0.3 − 0.1)) / 2 = 0.15 / 2 = 0.075
    expect(forwardTransfer(R, [0.1, 0.15, 0.1])).toEqual({ value: expect.closeTo(0.075, 12), definition: 'fwt-lopez-paz-2017' });
  });

  it('needs the finished matrix, two experiences for transfer, and one b per experience', () => {
    expect(() => averageFinalAccuracy(R.slice(0, 2))).toThrow('needs the finished matrix: 2 of 3 rows');
    expect(() => backwardTransfer([[0.5]])).toThrow('at least 2 experiences');
    expect(() => forwardTransfer(R, [0.1, 0.1])).toThrow(/one accuracy in \[0, 1\] per experience \(3\)/);
    expect(() =>
      averageFinalAccuracy([
        [0.5, 1.2],
        [0.1, 0.2],
      ]),
    ).toThrow('a[0][1] = 1.2 is not an accuracy in [0, 1]');
  });

  it('name their definitions', () => {
    expect(DEFINITIONS['bwt-lopez-paz-2017'].formula).toBe('BWT = (1/(T−1)) Σ_{i=1..T−1} (R_{T,i} − R_{i,i})');
    expect(DEFINITIONS['fwt-lopez-paz-2017'].source).toMatch(/^Lopez-Paz & Ranzato 2017/);
  });
});
