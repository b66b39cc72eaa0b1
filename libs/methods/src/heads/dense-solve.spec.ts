import { createExecutor, Engine } from '@mneme/engine';
import type { Executor } from '@mneme/execution';
import { Rng } from '@mneme/random';
import { beforeAll, describe, expect, it } from 'vitest';
import { choleskyInPlace, DENSE_BLOCK, DenseSolver, lowerInverse } from './dense-solve.js';

/** A random symmetric positive definite n × n matrix (BᵀB/n + I). */
function spd(n: number, seed: number): Float64Array {
  const rng = Rng.seeded(seed);
  const b = Float64Array.from({ length: n * n }, () => rng.normal(0, 1));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += b[k * n + i]! * b[k * n + j]!;
      a[i * n + j] = a[j * n + i] = s / n + (i === j ? 1 : 0);
    }
  }
  return a;
}

function product(a: Float64Array, b: Float64Array, n: number, transB = false): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k]! * (transB ? b[j * n + k]! : b[k * n + j]!);
      out[i * n + j] = s;
    }
  return out;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('dense float64 solves', () => {
  let executor: Executor;
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
  });

  it('factors in JavaScript below the block size: L·Lᵀ = A and L·L⁻¹ = I', () => {
    const n = 20;
    const a = spd(n, 1);
    const l = a.slice();
    expect(choleskyInPlace(l, n)).toBe(true);
    expect(maxAbsDiff(product(l, l, n, true), a)).toBeLessThan(1e-12);
    const identity = Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
    expect(maxAbsDiff(product(l, lowerInverse(l, n), n), identity)).toBeLessThan(1e-12);
  });

  it('refuses a matrix that is not positive definite', async () => {
    const n = 3;
    const a = Float64Array.from([1, 2, 0, 2, 1, 0, 0, 0, 1]);
    expect(choleskyInPlace(a.slice(), n)).toBe(false);
    expect(await new DenseSolver(executor).choleskyWithInverse(a, n)).toBeUndefined();
  });

  it('recursive halves on the executor give the same factor and inverse as the direct loop (float64)', async () => {
    const n = 2 * DENSE_BLOCK + 37;
    const a = spd(n, 2);
    const solver = new DenseSolver(executor);
    const result = (await solver.choleskyWithInverse(a, n))!;
    const direct = a.slice();
    choleskyInPlace(direct, n);
    expect(maxAbsDiff(result.factor, direct)).toBeLessThan(1e-10);
    expect(maxAbsDiff(result.inverse, lowerInverse(direct, n))).toBeLessThan(1e-10);
    // A second solve of the same size reuses the graphs and gives identical bits.
    const again = (await solver.choleskyWithInverse(a, n))!;
    expect(again.inverse).toEqual(result.inverse);
  });

  it('solves A·W = Q through the inverse factor', async () => {
    const n = 150;
    const c = 4;
    const a = spd(n, 3);
    const rng = Rng.seeded(4);
    const q = Float64Array.from({ length: n * c }, () => rng.normal(0, 1));
    const solver = new DenseSolver(executor);
    const { inverse } = (await solver.choleskyWithInverse(a, n))!;
    const { w } = await solver.solveWithInverse(inverse, q, n, c);
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let k = 0; k < c; k++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += a[i * n + j]! * w[j * c + k]!;
        worst = Math.max(worst, Math.abs(s - q[i * c + k]!));
      }
    expect(worst).toBeLessThan(1e-10);
  });
});
