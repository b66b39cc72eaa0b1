import { describe, expect, it } from 'vitest';
import { Attr } from '../attributes.js';
import { foldedValues, inferShapesOf, inferValues } from '../infer.test-util.js';
import { createTensor } from '../tensor-value.js';

const f32 = 'float32';
const i64 = 'int64';

describe('shape manipulation rules', () => {
  it('reshapes with 0 (copy) and -1 (infer), and honours allowzero', () => {
    expect(
      inferShapesOf({ x: [f32, [2, 3, 4]] }, (b) => [b.reshape('x', [0, -1, 2]), b.reshape('x', [-1]), b.reshape('x', [4, 0, 2])]),
    ).toEqual([[2, 6, 2], [24], [4, 3, 2]]);
    expect(inferShapesOf({ x: [f32, [0, 3]] }, (b) => b.op('Reshape', ['x', b.ints([3, 0])], { allowzero: Attr.int(1) }))).toEqual([
      [3, 0],
    ]);
    expect(() => inferShapesOf({ x: [f32, [2, 3]] }, (b) => b.reshape('x', [-1, -1]))).toThrow(/more than one -1/);
    expect(() => inferShapesOf({ x: [f32, [2, 3]] }, (b) => b.reshape('x', [4, -1]))).toThrow(/cannot reshape/);
  });

  it('fails when a Reshape target is not static', () => {
    expect(() => inferShapesOf({ x: [f32, [2, 3]], s: [i64, [2]] }, (b) => b.reshape('x', 's'))).toThrow(
      /shape input \('s'\) must be statically known/,
    );
  });

  it('flattens at positive, negative and zero axes', () => {
    expect(
      inferShapesOf({ x: [f32, [2, 3, 5, 4]] }, (b) => [b.flatten('x'), b.flatten('x', -1), b.flatten('x', 0), b.flatten('x', 4)]),
    ).toEqual([
      [2, 60],
      [30, 4],
      [1, 120],
      [120, 1],
    ]);
  });

  it('transposes by perm or by reversing, and folds transposes', () => {
    expect(inferShapesOf({ x: [f32, [2, 3, 4]] }, (b) => [b.transpose('x', [1, 2, 0]), b.transpose('x')])).toEqual([
      [3, 4, 2],
      [4, 3, 2],
    ]);
    expect(foldedValues({}, (b) => b.transpose(b.reshape(b.ints([1, 2, 3, 4, 5, 6]), [2, 3]), [1, 0]))).toEqual([[1, 4, 2, 5, 3, 6]]);
    expect(() => inferShapesOf({ x: [f32, [2, 3]] }, (b) => b.transpose('x', [0, 0]))).toThrow(/not a permutation/);
  });

  it('concatenates along an axis and checks the other dims', () => {
    expect(inferShapesOf({ a: [f32, [2, 3]], b: [f32, [2, 5]] }, (b) => b.concat(['a', 'b'], -1))).toEqual([[2, 8]]);
    expect(() => inferShapesOf({ a: [f32, [2, 3]], b: [f32, [3, 5]] }, (b) => b.concat(['a', 'b'], 1))).toThrow(/differ outside axis 1/);
  });

  it('splits by sizes, evenly by output count, and by num_outputs from opset 18', () => {
    expect(inferShapesOf({ x: [f32, [2, 7]] }, (b) => b.op('Split', ['x', b.ints([3, 4])], { axis: Attr.int(1) }, { outputs: 2 }))).toEqual(
      [
        [2, 3],
        [2, 4],
      ],
    );
    expect(inferShapesOf({ x: [f32, [6, 2]] }, (b) => b.op('Split', ['x'], {}, { outputs: 3 }))).toEqual([
      [2, 2],
      [2, 2],
      [2, 2],
    ]);
    expect(inferShapesOf({ x: [f32, [7, 2]] }, (b) => b.op('Split', ['x'], { num_outputs: Attr.int(3) }, { outputs: 3 }), 18)).toEqual([
      [3, 2],
      [3, 2],
      [1, 2],
    ]);
    expect(() => inferShapesOf({ x: [f32, [7, 2]] }, (b) => b.op('Split', ['x'], {}, { outputs: 3 }))).toThrow(/evenly/);
    expect(foldedValues({}, (b) => b.op('Split', [b.ints([1, 2, 3, 4, 5, 6])], {}, { outputs: 2 }))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('slices with negative starts/ends, clamping and negative steps, and folds slices', () => {
    expect(
      inferShapesOf({ x: [f32, [5, 8]] }, (b) => [b.slice('x', [-1, 1], [-6, 100], [0, 1], [-2, 3]), b.slice('x', [-3], [-1], [1])]),
    ).toEqual([
      [3, 3],
      [5, 2],
    ]);
    expect(
      inferShapesOf({ x: [f32, [5]] }, (b) => [b.slice('x', [-1], [-Number.MAX_VALUE], undefined, [-1]), b.slice('x', [3], [1])]),
    ).toEqual([[5], [0]]);
    expect(foldedValues({}, (b) => b.slice(b.ints([10, 11, 12, 13, 14]), [-1], [0], [0], [-2]))).toEqual([[14, 12]]);
    expect(() => inferShapesOf({ x: [f32, [5]] }, (b) => b.slice('x', [0], [5], [0], [0]))).toThrow(/steps must not be 0/);
  });

  it('squeezes and unsqueezes with axes inputs', () => {
    expect(inferShapesOf({ x: [f32, [1, 3, 1, 2]] }, (b) => [b.squeeze('x', [-2]), b.squeeze('x'), b.unsqueeze('x', [0, -1, 2])])).toEqual([
      [1, 3, 2],
      [3, 2],
      [1, 1, 1, 3, 1, 2, 1],
    ]);
    expect(() => inferShapesOf({ x: [f32, [1, 3]] }, (b) => b.squeeze('x', [1]))).toThrow(/cannot squeeze axis 1 of size 3/);
  });

  it('gathers along an axis, with negative axes and indices', () => {
    expect(
      inferShapesOf({ x: [f32, [5, 4, 3]], i: [i64, [2, 2]] }, (b) => [
        b.gather('x', 'i', 1),
        b.gather('x', 'i', -1),
        b.gather('x', b.scalar(0, i64)),
      ]),
    ).toEqual([
      [5, 2, 2, 3],
      [5, 4, 2, 2],
      [4, 3],
    ]);
    expect(foldedValues({}, (b) => b.gather(b.reshape(b.ints([1, 2, 3, 4, 5, 6]), [2, 3]), b.ints([-1, 0]), 1))).toEqual([[3, 1, 6, 4]]);
    expect(() => inferShapesOf({ x: [f32, [5]], i: [f32, [2]] }, (b) => b.gather('x', 'i'))).toThrow(/indices must be int32 or int64/);
  });

  it('types GatherElements, ScatterND, Expand, Tile and OneHot', () => {
    const [ge, sc, ex, ti, oh] = inferValues(
      { x: [f32, [5, 4]], i: [i64, [2, 4]], c: [f32, [3, 1]], ni: [i64, [2, 1]], u: [f32, [2, 4]] },
      (b) => [
        b.op('GatherElements', ['x', 'i'], { axis: Attr.int(0) }),
        b.op('ScatterND', ['x', 'ni', 'u']),
        b.expand('c', [2, 1, 4]),
        b.op('Tile', ['c', b.ints([2, 3])]),
        b.op('OneHot', ['i', b.scalar(5, i64), b.constant(createTensor(f32, [2], [0, 1]))], {
          axis: Attr.int(1),
        }),
      ],
    );
    expect(ge).toEqual({ dtype: f32, shape: [2, 4] });
    expect(sc).toEqual({ dtype: f32, shape: [5, 4] });
    expect(ex).toEqual({ dtype: f32, shape: [2, 3, 4] });
    expect(ti).toEqual({ dtype: f32, shape: [6, 3] });
    expect(oh).toEqual({ dtype: f32, shape: [2, 5, 4] });
    expect(foldedValues({}, (b) => b.op('Tile', [b.ints([1, 2]), b.ints([2])]))).toEqual([[1, 2, 1, 2]]);
  });
});
