import { describe, expect, it } from 'vitest';
import { holdoutSplit, type SplitName } from './index.js';

const count = (splits: readonly SplitName[], split: SplitName, labels?: ArrayLike<number>, label?: number): number =>
  splits.filter((s, i) => s === split && (labels === undefined || labels[i] === label)).length;

describe('holdoutSplit', () => {
  // 100 samples: 50 of class 0, 30 of class 1, 20 of class 2.
  const labels = Int32Array.from([...Array<number>(50).fill(0), ...Array<number>(30).fill(1), ...Array<number>(20).fill(2)]);

  it('holds out exactly the asked numbers, stratified by class', () => {
    const splits = holdoutSplit(labels, { test: 20, validation: 10, seed: 1 });
    expect([count(splits, 'train'), count(splits, 'validation'), count(splits, 'test')]).toEqual([70, 10, 20]);
    // test quotas: 20 × (50, 30, 20) / 100 = 10, 6, 4
    expect([0, 1, 2].map((k) => count(splits, 'test', labels, k))).toEqual([10, 6, 4]);
    // validation from the 80 left (40, 24, 16): 10 × those / 80 = 5, 3, 2
    expect([0, 1, 2].map((k) => count(splits, 'validation', labels, k))).toEqual([5, 3, 2]);
  });

  it('rounds quotas by largest remainder', () => {
    // 7 held out of (50, 30, 20): shares 3.5, 2.1, 1.4 → floors 3, 2, 1 (6), the leftover unit to 0.5.
    const splits = holdoutSplit(labels, { test: 7, seed: 3 });
    expect([0, 1, 2].map((k) => count(splits, 'test', labels, k))).toEqual([4, 2, 1]);
  });

  it('is deterministic per seed and differs across seeds', () => {
    expect(holdoutSplit(labels, { test: 20, seed: 5 })).toEqual(holdoutSplit(labels, { test: 20, seed: 5 }));
    expect(holdoutSplit(labels, { test: 20, seed: 5 })).not.toEqual(holdoutSplit(labels, { test: 20, seed: 6 }));
  });

  it('can ignore classes', () => {
    const splits = holdoutSplit(labels, { test: 50, seed: 2, stratify: false });
    expect(count(splits, 'test')).toBe(50);
  });

  it('rejects impossible sizes, all problems at once', () => {
    expect(() => holdoutSplit(labels, { test: 90, validation: 20, seed: 0 })).toThrow('cannot hold out 90 + 20 of 100 samples');
    expect(() => holdoutSplit(labels, { test: -1, validation: 1.5, seed: 0 })).toThrow(
      'test must be a non-negative integer, got -1; validation must be a non-negative integer, got 1.5',
    );
  });
});
