import { describe, expect, it } from 'vitest';
import { Attr } from '../attributes.js';
import { ShapeInferenceError } from '../errors.js';
import { foldedValues, inferShapesOf, inferValues } from '../infer.test-util.js';

const f32 = 'float32';

describe('elementwise rules', () => {
  it('broadcasts binary ops numpy-style', () => {
    expect(inferShapesOf({ a: [f32, [2, 1, 4]], b: [f32, [3, 1]] }, (b) => [b.add('a', 'b'), b.mul('b', 'a'), b.sub('a', 'a')])).toEqual([
      [2, 3, 4],
      [2, 3, 4],
      [2, 1, 4],
    ]);
    expect(inferShapesOf({ a: [f32, []], b: [f32, [5]] }, (b) => b.div('a', 'b'))).toEqual([[5]]);
  });

  it('rejects incompatible broadcasts and mixed dtypes, naming the node', () => {
    expect(() => inferShapesOf({ a: [f32, [2, 3]], b: [f32, [4]] }, (b) => b.op('Add', ['a', 'b'], {}, { name: 'bad_add' }))).toThrow(
      /Add node 'bad_add': cannot broadcast shapes \[2, 3\] and \[4\]/,
    );
    expect(() => inferShapesOf({ a: [f32, [2]], b: ['int64', [2]] }, (b) => b.add('a', 'b'))).toThrow(ShapeInferenceError);
  });

  it('gives comparisons bool outputs and Where the dtype of X', () => {
    const [eq, less, where] = inferValues({ a: [f32, [2, 1]], b: [f32, [1, 3]], c: ['bool', [2, 3]] }, (b) => [
      b.equal('a', 'b'),
      b.op('Less', ['a', 'b']),
      b.where('c', 'a', 'b'),
    ]);
    expect(eq).toEqual({ dtype: 'bool', shape: [2, 3] });
    expect(less).toEqual({ dtype: 'bool', shape: [2, 3] });
    expect(where).toEqual({ dtype: f32, shape: [2, 3] });
    expect(() => inferValues({ a: [f32, [2]], c: [f32, [2]] }, (b) => b.where('c', 'a', 'a'))).toThrow(/condition must be bool/);
  });

  it('broadcasts variadic Sum/Min/Max and keeps unary types', () => {
    expect(
      inferShapesOf({ a: [f32, [3, 1]], b: [f32, [4]], c: [f32, [2, 1, 1]] }, (b) => [
        b.op('Sum', ['a', 'b', 'c']),
        b.op('Max', ['a', 'b']),
      ]),
    ).toEqual([
      [2, 3, 4],
      [3, 4],
    ]);
    const unaries = [
      'Neg',
      'Relu',
      'Sigmoid',
      'Tanh',
      'Exp',
      'Log',
      'Sqrt',
      'Erf',
      'Gelu',
      'Abs',
      'Sign',
      'Reciprocal',
      'Identity',
      'Softmax',
      'LogSoftmax',
    ];
    const types = inferValues({ x: [f32, [2, 5]] }, (b) => unaries.map((op) => b.op(op, ['x'])));
    for (const t of types) expect(t).toEqual({ dtype: f32, shape: [2, 5] });
    expect(inferValues({ x: [f32, [3]] }, (b) => b.op('LeakyRelu', ['x'], { alpha: Attr.float(0.1) }))[0]).toEqual({
      dtype: f32,
      shape: [3],
    });
  });

  it('types Pow by its base even with an integer exponent', () => {
    expect(inferValues({ x: [f32, [2, 3]], e: ['int64', []] }, (b) => b.pow('x', 'e'))[0]).toEqual({ dtype: f32, shape: [2, 3] });
  });

  it('types Clip, Dropout (with mask) and Not', () => {
    const [clip, drop, mask, not] = inferValues({ x: [f32, [4, 2]], lo: [f32, []], m: ['bool', [3]] }, (b) => [
      b.op('Clip', ['x', 'lo', '']),
      ...b.op('Dropout', ['x'], {}, { outputs: 2 }),
      b.op('Not', ['m']),
    ]);
    expect(clip).toEqual({ dtype: f32, shape: [4, 2] });
    expect(drop).toEqual({ dtype: f32, shape: [4, 2] });
    expect(mask).toEqual({ dtype: 'bool', shape: [4, 2] });
    expect(not).toEqual({ dtype: 'bool', shape: [3] });
    expect(() => inferValues({ x: [f32, [3]] }, (b) => b.op('Not', ['x']))).toThrow(/does not accept float32/);
  });

  it('folds integer arithmetic with C division semantics', () => {
    const [div, mod, sub] = foldedValues({}, (b) => {
      const a = b.ints([7, -7, 9]);
      const d = b.ints([2, 2, -4]);
      return [b.div(a, d), b.op('Mod', [a, d]), b.sub(a, b.scalar(1, 'int64'))];
    });
    expect(div).toEqual([3, -3, -2]);
    expect(mod).toEqual([1, 1, -3]);
    expect(sub).toEqual([6, -8, 8]);
  });
});
