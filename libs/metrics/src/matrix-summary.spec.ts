import { describe, expect, it } from 'vitest';
import { averageFinalAccuracy, averageForgetting, backwardTransfer, forwardTransfer, summariseMatrix } from './index.js';

// R[i][j]: accuracy on experience j after training through experience i (T = 3).
const R = [
  [0.9, 0.1, 0.2],
  [0.6, 0.8, 0.3],
  [0.5, 0.7, 0.95],
];
const b = [0.1, 0.15, 0.1];

describe('summariseMatrix', () => {
  it('gives ACC, BWT, FWT and forgetting of the finished matrix', () => {
    const s = summariseMatrix(R, b);
    // ACC = 2.15 / 3; BWT = −0.25; FWT = 0.075; F_3 = ((0.9 − 0.5) + (0.8 − 0.7)) / 2 = 0.25
    expect(s.acc).toEqual(averageFinalAccuracy(R));
    expect(s.bwt).toEqual(backwardTransfer(R));
    expect(s.fwt).toEqual(forwardTransfer(R, b));
    expect(s.forgetting).toEqual(averageForgetting(R));
    expect(s.acc.value).toBeCloseTo(2.15 / 3, 12);
    expect(s.bwt.value).toBeCloseTo(-0.25, 12);
    expect(s.fwt.value).toBeCloseTo(0.075, 12);
    expect(s.forgetting.value).toBeCloseTo(0.25, 12);
  });

  it('is NaN, not 0, where a metric needs two experiences or b_j', () => {
    const one = summariseMatrix([[0.8]], [0.1]);
    expect(one.acc).toEqual({ value: 0.8, definition: 'acc-lopez-paz-2017' });
    expect(one.bwt).toEqual({ value: Number.NaN, definition: 'bwt-lopez-paz-2017' });
    expect(one.fwt).toEqual({ value: Number.NaN, definition: 'fwt-lopez-paz-2017' });
    expect(one.forgetting).toEqual({ value: Number.NaN, definition: 'forgetting-chaudhry-2018' });
    const noInit = summariseMatrix(R);
    expect(noInit.fwt.value).toBeNaN();
    expect(noInit.bwt.value).toBeCloseTo(-0.25, 12);
  });

  it('needs the finished matrix and one b_j per experience', () => {
    expect(() => summariseMatrix(R.slice(0, 2), b)).toThrow('needs the finished matrix: 2 of 3 rows');
    expect(() => summariseMatrix(R, [0.1])).toThrow(/one accuracy in \[0, 1\] per experience \(3\)/);
  });
});
