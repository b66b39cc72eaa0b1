import { describe, expect, it } from 'vitest';
import { Attr } from '../attributes.js';
import { foldedValues, inferShapesOf, inferValues } from '../infer.test-util.js';

const f32 = 'float32';

describe('reduction rules', () => {
  it('reads ReduceSum axes from an input and ReduceMean/ReduceMax axes from an attribute at opset 17', () => {
    expect(
      inferShapesOf({ x: [f32, [2, 3, 4]] }, (b) => [b.reduceSum('x', [1]), b.reduceMean('x', [-1, 0], false), b.reduceMax('x')]),
    ).toEqual([[2, 1, 4], [3], [1, 1, 1]]);
    expect(() => inferShapesOf({ x: [f32, [2, 3]] }, (b) => b.op('ReduceMean', ['x', b.ints([0])]))).toThrow(
      /takes axes as an attribute before opset 18/,
    );
  });

  it('reads ReduceMean/ReduceMax axes from an input from opset 18', () => {
    expect(inferShapesOf({ x: [f32, [2, 3, 4]] }, (b) => [b.reduceMean('x', [-1, 0], false), b.reduceMax('x', [1])], 18)).toEqual([
      [3],
      [2, 1, 4],
    ]);
  });

  it('honours noop_with_empty_axes and rejects duplicate axes', () => {
    expect(inferShapesOf({ x: [f32, [2, 3]] }, (b) => b.op('ReduceSum', ['x'], { noop_with_empty_axes: Attr.int(1) }))).toEqual([[2, 3]]);
    expect(() => inferShapesOf({ x: [f32, [2, 3]] }, (b) => b.reduceSum('x', [1, -1]))).toThrow(/duplicates/);
  });

  it('types ArgMax as int64 and ReduceProd/ReduceLogSumExp like other reductions', () => {
    const [arg, prod, lse] = inferValues({ x: [f32, [2, 3, 4]] }, (b) => [
      b.op('ArgMax', ['x'], { axis: Attr.int(1), keepdims: Attr.int(0) }),
      b.op('ReduceProd', ['x'], { axes: Attr.ints([2]) }),
      b.op('ReduceLogSumExp', ['x'], { axes: Attr.ints([0]), keepdims: Attr.int(0) }),
    ]);
    expect(arg).toEqual({ dtype: 'int64', shape: [2, 4] });
    expect(prod).toEqual({ dtype: f32, shape: [2, 3, 1] });
    expect(lse).toEqual({ dtype: f32, shape: [3, 4] });
  });

  it('types TopK as K values and int64 indices along its axis, K read from a constant', () => {
    const [values, indices] = inferValues({ x: ['float64', [2, 5]] }, (b) => b.op('TopK', ['x', b.ints([3])], {}, { outputs: 2 }));
    expect(values).toEqual({ dtype: 'float64', shape: [2, 3] });
    expect(indices).toEqual({ dtype: 'int64', shape: [2, 3] });
    expect(() => inferShapesOf({ x: [f32, [4]] }, (b) => b.op('TopK', ['x', b.ints([5])], {}, { outputs: 2 }))).toThrow(
      /K \(5\) exceeds the 4 elements/,
    );
    expect(() => inferShapesOf({ x: [f32, [4]], k: ['int64', [1]] }, (b) => b.op('TopK', ['x', 'k'], {}, { outputs: 2 }))).toThrow(/K/);
  });

  it('folds ReduceProd and ReduceSum over small constants', () => {
    expect(
      foldedValues({}, (b) => {
        const m = b.reshape(b.ints([1, 2, 3, 4, 5, 6]), [2, 3]);
        return [b.op('ReduceProd', [m], { axes: Attr.ints([1]), keepdims: Attr.int(0) }), b.reduceSum(m, [0], false)];
      }),
    ).toEqual([
      [6, 120],
      [5, 7, 9],
    ]);
  });
});
