import { type DType } from '@mneme/tensor';
import { describe, expect, it } from 'vitest';
import { Attr } from '../attributes.js';
import { type GraphBuilder } from '../builder.js';
import { foldedValues, inferValues } from '../infer.test-util.js';
import { createTensor } from '../tensor-value.js';

const f32 = 'float32';
const i64 = 'int64';

describe('value rules', () => {
  it('types and folds Range for positive and negative deltas', () => {
    const build = (b: GraphBuilder): string[] => [
      b.op('Range', [b.scalar(1, i64), b.scalar(10, i64), b.scalar(3, i64)]),
      b.op('Range', [b.scalar(5), b.scalar(1), b.scalar(-1.5)]),
      b.op('Range', [b.scalar(5, i64), b.scalar(1, i64), b.scalar(1, i64)]),
    ];
    expect(inferValues({}, build)).toEqual([
      { dtype: i64, shape: [3] },
      { dtype: f32, shape: [3] },
      { dtype: i64, shape: [0] },
    ]);
    expect(foldedValues({}, build)).toEqual([[1, 4, 7], [5, 3.5, 2], []]);
  });

  it('types ConstantOfShape from its value attribute (float32 zeros by default)', () => {
    const build = (b: GraphBuilder): string[] => [
      b.op('ConstantOfShape', [b.ints([2, 3])], { value: Attr.tensor(createTensor(i64, [1], [7])) }),
      b.op('ConstantOfShape', [b.ints([2])]),
    ];
    expect(inferValues({}, build)).toEqual([
      { dtype: i64, shape: [2, 3] },
      { dtype: f32, shape: [2] },
    ]);
    expect(foldedValues({}, build)).toEqual([
      [7, 7, 7, 7, 7, 7],
      [0, 0],
    ]);
  });

  it('types Constant from value, value_int(s) and value_float(s)', () => {
    expect(
      inferValues({}, (b) => [
        b.constant(createTensor('int32', [2, 2], [1, 2, 3, 4])),
        b.op('Constant', [], { value_ints: Attr.ints([1, 2, 3]) }),
        b.op('Constant', [], { value_float: Attr.float(0.5) }),
      ]),
    ).toEqual([
      { dtype: 'int32', shape: [2, 2] },
      { dtype: i64, shape: [3] },
      { dtype: f32, shape: [] },
    ]);
    expect(() => inferValues({}, (b) => b.op('Constant', [], {}))).toThrow(/needs a value/);
  });

  it('folds Shape with start/end, Size, and Cast with truncation', () => {
    const inputs = { x: [f32, [2, 3, 4, 5]] } satisfies Record<string, [DType, number[]]>;
    const build = (b: GraphBuilder): string[] => [
      b.op('Shape', ['x'], { start: Attr.int(1), end: Attr.int(-1) }),
      b.op('Size', ['x']),
      b.cast(b.constant(createTensor(f32, [3], [1.7, -1.7, 0])), i64),
      b.cast(b.constant(createTensor(f32, [2], [0.5, 0])), 'bool'),
    ];
    expect(inferValues(inputs, build).map((t) => t.dtype)).toEqual([i64, i64, i64, 'bool']);
    expect(foldedValues(inputs, build)).toEqual([[3, 4], [120], [1, -1, 0], [1, 0]]);
  });
});
