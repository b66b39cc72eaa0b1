/**
 * Limited-memory BFGS for smooth objectives, written out by hand: the two-loop recursion and a
 * backtracking (Armijo) line search. Curvature pairs with non-positive `sᵀy` are skipped, so the
 * inverse-Hessian estimate stays positive definite on non-convex objectives too.
 */
import { MnemeError } from '@mneme/errors';
// L-BFGS: Liu & Nocedal 1989 (Math. Programming 45); two-loop recursion, Nocedal & Wright 2006, Algorithm 7.4.

/** An objective's value and gradient at `x` (the gradient is a fresh array the solver may keep). */
export type Objective = (x: Float64Array) => Promise<{ readonly value: number; readonly gradient: Float64Array }>;

/** Options of {@link minimizeLbfgs}. */
export interface LbfgsOptions {
  /** Curvature pairs kept. @default 10 */
  readonly memory?: number;
  /** Most iterations (each is one line search). @default 500 */
  readonly maxIterations?: number;
  /** Stop when the largest absolute gradient entry is at most this. @default 1e-5 */
  readonly gradientTolerance?: number;
  /** Stop when an iteration lowers the value by at most this fraction of it. @default 1e-9 */
  readonly relativeTolerance?: number;
  /** Most objective evaluations of one line search. @default 30 */
  readonly maxLineSearch?: number;
  /** Sufficient-decrease constant c₁ of the Armijo condition. @default 1e-4 */
  readonly armijo?: number;
}

/** Why {@link minimizeLbfgs} stopped. */
export type LbfgsStop = 'gradient' | 'relative' | 'iterations' | 'line-search';

/** What {@link minimizeLbfgs} returns. */
export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  /** Largest absolute gradient entry at `x`. */
  readonly gradientNorm: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly stop: LbfgsStop;
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

const maxAbs = (a: Float64Array): number => {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
};

/**
 * Minimises `objective` from `x0` (not changed). Deterministic: the same objective and start give
 * the same iterates.
 */
export async function minimizeLbfgs(objective: Objective, x0: Float64Array, options: LbfgsOptions = {}): Promise<LbfgsResult> {
  const {
    memory = 10,
    maxIterations = 500,
    gradientTolerance = 1e-5,
    relativeTolerance = 1e-9,
    maxLineSearch = 30,
    armijo = 1e-4,
  } = options;
  const n = x0.length;
  let x: Float64Array = x0.slice();
  const first = await objective(x);
  let f = first.value;
  let g: Float64Array = first.gradient;
  let evaluations = 1;
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(memory);
  const result = (iterations: number, stop: LbfgsStop): LbfgsResult => ({
    x,
    value: f,
    gradientNorm: maxAbs(g),
    iterations,
    evaluations,
    stop,
  });
  if (!Number.isFinite(f)) throw new MnemeError('internal', `the objective is ${f} at the starting point`);

  for (let iteration = 0; iteration < maxIterations; iteration++) {
    if (maxAbs(g) <= gradientTolerance) return result(iteration, 'gradient');
    // Two-loop recursion: d = −H·g with H the L-BFGS inverse-Hessian estimate.
    const d = Float64Array.from(g, (v) => -v);
    for (let k = s.length - 1; k >= 0; k--) {
      const a = rho[k]! * dot(s[k]!, d);
      alpha[k] = a;
      const yk = y[k]!;
      for (let i = 0; i < n; i++) d[i]! -= a * yk[i]!;
    }
    // Initial scaling γ = sᵀy / yᵀy of the newest pair (Nocedal & Wright eq. 7.20).
    const last = s.length - 1;
    const gamma = last >= 0 ? 1 / (rho[last]! * dot(y[last]!, y[last]!)) : 1;
    for (let i = 0; i < n; i++) d[i]! *= gamma;
    for (let k = 0; k < s.length; k++) {
      const b = alpha[k]! - rho[k]! * dot(y[k]!, d);
      const sk = s[k]!;
      for (let i = 0; i < n; i++) d[i]! += b * sk[i]!;
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (rounding): fall back to steepest descent and forget the pairs.
      for (let i = 0; i < n; i++) d[i] = -g[i]!;
      slope = -dot(g, g);
      s.length = y.length = rho.length = 0;
    }
    // Backtracking from the quasi-Newton step 1 (the first step is scaled to unit length).
    let step = s.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    let accepted: { x: Float64Array; value: number; gradient: Float64Array } | undefined;
    for (let trial = 0; trial < maxLineSearch; trial++) {
      const candidate = Float64Array.from(x, (v, i) => v + step * d[i]!);
      const at = await objective(candidate);
      evaluations++;
      if (Number.isFinite(at.value) && at.value <= f + armijo * step * slope) {
        accepted = { x: candidate, ...at };
        break;
      }
      step *= 0.5;
    }
    if (accepted === undefined) return result(iteration, 'line-search');
    const sNew = Float64Array.from(accepted.x, (v, i) => v - x[i]!);
    const yNew = Float64Array.from(accepted.gradient, (v, i) => v - g[i]!);
    const sy = dot(sNew, yNew);
    const decrease = f - accepted.value;
    const scale = Math.max(Math.abs(f), Math.abs(accepted.value), 1e-30);
    x = accepted.x;
    f = accepted.value;
    g = accepted.gradient;
    if (sy > 1e-12 * Math.sqrt(dot(sNew, sNew) * dot(yNew, yNew))) {
      if (s.length === memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sNew);
      y.push(yNew);
      rho.push(1 / sy);
    }
    if (decrease <= relativeTolerance * scale) return result(iteration + 1, maxAbs(g) <= gradientTolerance ? 'gradient' : 'relative');
  }
  return result(maxIterations, maxAbs(g) <= gradientTolerance ? 'gradient' : 'iterations');
}
