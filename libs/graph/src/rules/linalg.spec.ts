import { describe, expect, it } from 'vitest';
import { Attr } from '../attributes.js';
import { type InputSpec, inferShapesOf } from '../infer.test-util.js';

const f32 = 'float32';

describe('linear algebra rules', () => {
  it('follows numpy MatMul semantics for 1-D and batched operands', () => {
    expect(inferShapesOf({ a: [f32, [4]], b: [f32, [2, 4, 3]] }, (b) => b.matMul('a', 'b'))).toEqual([[2, 3]]);
    expect(inferShapesOf({ a: [f32, [2, 5, 4]], b: [f32, [4]] }, (b) => b.matMul('a', 'b'))).toEqual([[2, 5]]);
    expect(inferShapesOf({ a: [f32, [2, 1, 5, 4]], b: [f32, [3, 4, 6]] }, (b) => b.matMul('a', 'b'))).toEqual([[2, 3, 5, 6]]);
    expect(inferShapesOf({ a: [f32, [4]], b: [f32, [4]] }, (b) => b.matMul('a', 'b'))).toEqual([[]]);
    expect(() => inferShapesOf({ a: [f32, [2, 3]], b: [f32, [4, 5]] }, (b) => b.matMul('a', 'b'))).toThrow(/inner dimensions differ/);
  });

  it('applies Gemm transA/transB and checks C broadcasting', () => {
    expect(
      inferShapesOf({ a: [f32, [4, 3]], b: [f32, [5, 4]], c: [f32, [5]] }, (b) => b.gemm('a', 'b', 'c', { transA: true, transB: true })),
    ).toEqual([[3, 5]]);
    expect(inferShapesOf({ a: [f32, [3, 4]], b: [f32, [4, 5]] }, (b) => b.gemm('a', 'b'))).toEqual([[3, 5]]);
    expect(() => inferShapesOf({ a: [f32, [3, 4]], b: [f32, [4, 5]], c: [f32, [2, 1, 5]] }, (b) => b.gemm('a', 'b', 'c'))).toThrow(
      /does not broadcast to \[3, 5\]/,
    );
    expect(() => inferShapesOf({ a: [f32, [3, 4]], b: [f32, [4, 5]], c: [f32, [2, 5]] }, (b) => b.gemm('a', 'b', 'c'))).toThrow(
      /cannot broadcast/,
    );
    expect(() => inferShapesOf({ a: [f32, [3, 4]], b: [f32, [5, 4]] }, (b) => b.gemm('a', 'b'))).toThrow(/inner dimensions differ/);
  });

  it('types Einsum with explicit and implicit outputs', () => {
    const inputs: InputSpec = { a: [f32, [2, 3, 4]], b: [f32, [2, 4, 5]] };
    expect(
      inferShapesOf(inputs, (b) => [
        b.op('Einsum', ['a', 'b'], { equation: Attr.string('bij,bjk->bik') }),
        b.op('Einsum', ['a', 'b'], { equation: Attr.string('bij,bjk') }),
        b.op('Einsum', ['a'], { equation: Attr.string('bij->j') }),
      ]),
    ).toEqual([[2, 3, 5], [3, 5], [4]]);
    expect(() => inferShapesOf(inputs, (b) => b.op('Einsum', ['a', 'b'], { equation: Attr.string('bij,bkj->bik') }))).toThrow(/label 'j'/);
  });
});
