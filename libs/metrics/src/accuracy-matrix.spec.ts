import { describe, expect, it } from 'vitest';
import { accuracy, accuracyMatrix, describeMetric, experienceCount } from './index.js';

describe('accuracyMatrix', () => {
  it('accepts partial matrices and freezes them', () => {
    const a = accuracyMatrix([[0.5, 0.1, 0.0]]);
    expect(experienceCount(a)).toBe(3);
    expect(Object.isFrozen(a) && Object.isFrozen(a[0])).toBe(true);
  });

  it('lists every problem at once', () => {
    expect(() => accuracyMatrix([[0.5, Number.NaN], [0.2], [0.1, 0.1]])).toThrow(
      '3 rows but 2 experiences: there is one row per experience trained; a[0][1] = NaN is not an accuracy in [0, 1]; row 1 has 1 entries, expected 2',
    );
    expect(() => accuracyMatrix([])).toThrow('at least one row');
  });
});

describe('accuracy', () => {
  it('is the fraction of equal entries', () => {
    // 3 of 4 equal → 0.75
    expect(accuracy([1, 2, 3, 4], Int32Array.from([1, 2, 0, 4]))).toEqual({ value: 0.75, definition: 'accuracy' });
    expect(() => accuracy([1], [1, 2])).toThrow('must be non-empty and equally long, got 1 and 2');
  });
});

describe('describeMetric', () => {
  it('puts the number beside its definition', () => {
    expect(describeMetric({ value: 0.5, definition: 'mrr-at-k', params: { k: 10 } })).toBe(
      'MRR@k [k=10] = 0.5 (mean over queries of 1/rank of the first relevant document within the top k, 0 if none; MS MARCO passage ranking (Nguyen et al. 2016), official MRR@10)',
    );
  });
});
