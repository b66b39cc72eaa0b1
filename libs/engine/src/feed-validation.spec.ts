import { InvalidArgumentError } from '@mneme/errors';
import { fromArray, zeros } from '@mneme/tensor';
import { describe, expect, it } from 'vitest';
import { checkFeeds, type InputSpec, validateFeeds } from './feed-validation.js';

const specs: InputSpec[] = [
  { name: 'x', dtype: 'float32', shape: ['batch', 4], optional: false },
  { name: 'labels', dtype: 'int64', shape: ['batch'], optional: false },
  { name: 'mask', dtype: 'bool', shape: [2, 2], optional: false },
  { name: 'w', dtype: 'float32', shape: [4, 3], optional: true },
];

describe('validateFeeds', () => {
  it('accepts matching feeds and lets initializer-backed inputs be left out', () => {
    expect(checkFeeds(specs, { x: zeros('float32', [3, 4]), labels: zeros('int64', [3]), mask: zeros('bool', [2, 2]) })).toEqual([]);
  });

  it('reports every missing, unknown, mis-typed and mis-shaped input at once', () => {
    const feeds = {
      x: zeros('float32', [3, 5]),
      labels: zeros('int32', [2]),
      extra: zeros('float32', [1]),
      typo: zeros('float32', [1]),
    };
    let error: unknown;
    try {
      validateFeeds(specs, feeds);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const problems = (error as InvalidArgumentError).problems;
    expect(problems).toEqual([
      "input 'x' has shape [3, 5] but the graph declares [batch, 4]: dim 1 is 5, expected 4",
      "input 'labels' is int32 but the graph declares int64",
      "input 'labels' has shape [2] but the graph declares [batch]: dim 0 ('batch') is 2 but input 'x' set 'batch' to 3",
      "missing input 'mask' (bool [2, 2])",
      "unknown inputs 'extra', 'typo'; the graph's inputs are x, labels, mask, w",
    ]);
  });

  it('catches rank mismatches, non-tensors and data that does not fit the shape', () => {
    const forged = { dtype: 'float32', shape: [3, 4], data: new Float32Array(5), size: 12 } as never;
    const problems = checkFeeds(specs, { x: forged, labels: fromArray('int64', [[1, 2]]), mask: 'nope' as never });
    expect(problems).toEqual([
      "input 'x' has 5 elements but its shape [3, 4] needs 12",
      "input 'labels' has shape [1, 2] (rank 2) but the graph declares [batch] (rank 1)",
      "input 'mask' is not a tensor (expected { dtype, shape, data })",
    ]);
  });
});
