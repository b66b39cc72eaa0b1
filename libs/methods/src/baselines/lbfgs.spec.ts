import { describe, expect, it } from 'vitest';
import { minimizeLbfgs, type Objective } from './lbfgs.js';

/** f(x) = ½ xᵀAx − bᵀx with A diagonal-dominant, so the minimiser solves A x = b. */
function quadratic(a: number[][], b: number[]): Objective {
  return (x) => {
    const ax = a.map((row) => row.reduce((s, v, j) => s + v * x[j]!, 0));
    const value = 0.5 * ax.reduce((s, v, i) => s + v * x[i]!, 0) - b.reduce((s, v, i) => s + v * x[i]!, 0);
    return Promise.resolve({ value, gradient: Float64Array.from(ax, (v, i) => v - b[i]!) });
  };
}

/** Multinomial logistic regression with a ridge on the weights, in plain float64: x = [W (d×k) | bias (k)]. */
function logistic(features: number[][], labels: number[], classes: number, l2: number): Objective {
  const d = features[0]!.length;
  return (x) => {
    const gradient = new Float64Array(x.length);
    let value = 0;
    features.forEach((row, r) => {
      const z = Array.from({ length: classes }, (_, c) => row.reduce((s, v, j) => s + v * x[j * classes + c]!, x[d * classes + c]!));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((s, v) => s + v, 0);
      value += (Math.log(sum) + m - z[labels[r]!]!) / features.length;
      e.forEach((v, c) => {
        const delta = (v / sum - (c === labels[r] ? 1 : 0)) / features.length;
        row.forEach((f, j) => (gradient[j * classes + c]! += delta * f));
        gradient[d * classes + c]! += delta;
      });
    });
    for (let i = 0; i < d * classes; i++) {
      value += 0.5 * l2 * x[i]! ** 2;
      gradient[i]! += l2 * x[i]!;
    }
    return Promise.resolve({ value, gradient });
  };
}

describe('minimizeLbfgs', () => {
  it('reaches the minimiser of a convex quadratic (A x = b)', async () => {
    const a = [
      [4, 1, 0, 0],
      [1, 3, 0.5, 0],
      [0, 0.5, 2, 0.2],
      [0, 0, 0.2, 10],
    ];
    const b = [1, -2, 3, 0.5];
    const result = await minimizeLbfgs(quadratic(a, b), new Float64Array(4), { gradientTolerance: 1e-10, relativeTolerance: 0 });
    expect(result.stop).toBe('gradient');
    const residual = a.map((row, i) => row.reduce((s, v, j) => s + v * result.x[j]!, 0) - b[i]!);
    for (const r of residual) expect(Math.abs(r)).toBeLessThan(1e-9);
    // A quadratic in 4 dimensions: L-BFGS needs few iterations.
    expect(result.iterations).toBeLessThan(20);
  });

  it('solves a ridge-regularised multinomial logistic regression to a zero gradient, from any start', async () => {
    const features = [
      [0, 0],
      [1, 0.2],
      [0.1, 1],
      [1, 1],
      [2, 0.5],
      [0.3, 2],
      [-1, 0.4],
      [0.5, -1],
    ];
    const labels = [0, 1, 2, 1, 1, 2, 0, 0];
    const objective = logistic(features, labels, 3, 1e-2);
    const a = await minimizeLbfgs(objective, new Float64Array(9), { gradientTolerance: 1e-9, relativeTolerance: 0 });
    const b = await minimizeLbfgs(
      objective,
      Float64Array.from({ length: 9 }, (_, i) => (i % 3) - 1),
      { gradientTolerance: 1e-9, relativeTolerance: 0 },
    );
    expect(a.stop).toBe('gradient');
    expect(a.gradientNorm).toBeLessThan(1e-9);
    // Strictly convex: one minimiser, whatever the start.
    for (let i = 0; i < 9; i++) expect(b.x[i]).toBeCloseTo(a.x[i]!, 6);
    expect(b.value).toBeCloseTo(a.value, 12);
  });

  it('stops at the iteration limit and says so, and is deterministic', async () => {
    const objective = logistic([[1], [2], [-1], [-2]], [1, 1, 0, 0], 2, 0);
    const a = await minimizeLbfgs(objective, new Float64Array(4), { maxIterations: 3, gradientTolerance: 0, relativeTolerance: 0 });
    const b = await minimizeLbfgs(objective, new Float64Array(4), { maxIterations: 3, gradientTolerance: 0, relativeTolerance: 0 });
    expect(a.stop).toBe('iterations');
    expect(a.iterations).toBe(3);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
  });
});
