import { describe, expect, it } from 'vitest';
import { Attr } from '../attributes.js';
import { UnsupportedOpError } from '../errors.js';
import { inferShapesOf, inferValues } from '../infer.test-util.js';
import { isSupportedOp } from '../op-rules.js';
import { MS_DOMAIN } from './contrib.js';

const f32 = 'float32';
const i32 = 'int32';
const ms = { domain: MS_DOMAIN };
const heads = { num_heads: Attr.int(4) };

describe('com.microsoft contrib rules', () => {
  it('types Attention with packed Q/K/V and a key mask', () => {
    const inputs = { x: [f32, [2, 5, 8]], w: [f32, [8, 48]], bias: [f32, [48]], mask: [i32, [2, 5]] } as const;
    expect(inferShapesOf({ ...inputs } as never, (b) => b.op('Attention', ['x', 'w', 'bias', 'mask'], heads, ms))).toEqual([[2, 5, 16]]);
    expect(() =>
      inferShapesOf({ ...inputs, mask: [i32, [2, 4]] } as never, (b) => b.op('Attention', ['x', 'w', 'bias', 'mask'], heads, ms)),
    ).toThrow(/key mask/);
    expect(() => inferShapesOf(inputs as never, (b) => b.op('Attention', ['x', 'w', 'bias'], { num_heads: Attr.int(5) }, ms))).toThrow(
      /num_heads 5/,
    );
  });

  it('types MultiHeadAttention over separate query, key and value', () => {
    const inputs = { q: [f32, [2, 3, 8]], k: [f32, [2, 6, 8]], v: [f32, [2, 6, 12]], bias: [f32, [28]], mask: [i32, [2, 6]] };
    expect(inferShapesOf(inputs as never, (b) => b.op('MultiHeadAttention', ['q', 'k', 'v', 'bias', 'mask'], heads, ms))).toEqual([
      [2, 3, 12],
    ]);
    expect(() =>
      inferShapesOf({ ...inputs, bias: [f32, [24]] } as never, (b) => b.op('MultiHeadAttention', ['q', 'k', 'v', 'bias'], heads, ms)),
    ).toThrow(/bias must have shape \[28\]/);
  });

  it('types SkipLayerNormalization outputs and BiasGelu', () => {
    const [y, mean, , sum] = inferValues({ x: [f32, [2, 5, 8]], s: [f32, [2, 5, 8]], g: [f32, [8]], b: [f32, [8]] }, (b) =>
      b.op('SkipLayerNormalization', ['x', 's', 'g', 'b', 'b'], { epsilon: Attr.float(1e-5) }, { ...ms, outputs: 4 }),
    );
    expect([y!.shape, mean!.shape, sum!.shape]).toEqual([
      [2, 5, 8],
      [2, 5, 1],
      [2, 5, 8],
    ]);
    expect(inferShapesOf({ a: [f32, [4, 6]], b: [f32, [6]] }, (b) => b.op('BiasGelu', ['a', 'b'], {}, ms))).toEqual([[4, 6]]);
    expect(() => inferShapesOf({ a: [f32, [4, 6]], b: [f32, [5]] }, (b) => b.op('BiasGelu', ['a', 'b'], {}, ms))).toThrow(
      /B must have shape \[6\]/,
    );
  });

  it('knows the contrib ops only in their own domain', () => {
    expect(isSupportedOp('BiasGelu', MS_DOMAIN)).toBe(true);
    expect(isSupportedOp('BiasGelu')).toBe(false);
    expect(isSupportedOp('MatMul', MS_DOMAIN)).toBe(false);
    expect(() => inferShapesOf({ a: [f32, [4, 6]], b: [f32, [6]] }, (b) => b.op('BiasGelu', ['a', 'b']))).toThrow(UnsupportedOpError);
  });
});
