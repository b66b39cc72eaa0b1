import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './builder.js';
import { ShapeInferenceError } from './errors.js';
import { estimateFlops } from './flops.js';
import { createTensor } from './tensor-value.js';

function linear() {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['batch', 8]);
  const w = b.initializer('w', createTensor('float32', [8, 4], new Float32Array(32)));
  b.output(b.relu(b.matMul(x, w)), 'float32', ['batch', 4]);
  return b.build();
}

describe('estimateFlops', () => {
  it('counts 2 FLOPs per multiply-add of the products, at the bound dims', () => {
    expect(estimateFlops(linear(), { batch: 3 })).toBe(2 * 3 * 8 * 4);
    expect(estimateFlops(linear(), { batch: 10 })).toBe(2 * 10 * 8 * 4);
  });

  it('refuses a symbolic graph whose dims are not bound', () => {
    expect(() => estimateFlops(linear())).toThrow(ShapeInferenceError);
  });
});
