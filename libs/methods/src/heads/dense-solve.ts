/**
 * Dense float64 linear algebra for closed-form heads: the Cholesky factor of a symmetric positive
 * definite matrix together with the factor's inverse, and ridge weights from them. The O(n³) work
 * runs as float64 GEMMs on the executor (ONNX Runtime's MatMul/Gemm); only blocks of at most
 * {@link DENSE_BLOCK} rows are factored in JavaScript.
 *
 * The factorisation recurses on halves split at multiples of the block size, so a matrix of size n
 * needs graphs of only about log2(n / block) distinct shapes: the engine compiles each once and
 * reuses it for every later solve (a blocked right-looking loop would need one shape per step).
 */
import type { Executor } from '@mneme/execution';
import { GraphBuilder, type Model } from '@mneme/graph';
import { tensor } from '@mneme/tensor';
import { GraphMemo } from '../core/graph-memo.js';

/** Rows factored directly in JavaScript (below it, GEMM calls cost more than they save). */
export const DENSE_BLOCK = 128;

/** A lower Cholesky factor L (A = L·Lᵀ) and its inverse, both n × n row-major. */
export interface CholeskyWithInverse {
  readonly factor: Float64Array;
  readonly inverse: Float64Array;
}

/** Float64 dense solves on an executor; graphs are built once per shape and reused. */
export class DenseSolver {
  private readonly graphs = new GraphMemo();

  constructor(private readonly executor: Executor) {}

  /**
   * L and L⁻¹ of the symmetric positive definite `a` (n × n, row-major; only the lower triangle is
   * read); `undefined` when `a` is not numerically positive definite.
   */
  async choleskyWithInverse(a: Float64Array, n: number): Promise<CholeskyWithInverse | undefined> {
    if (n <= DENSE_BLOCK) {
      const factor = a.slice(0, n * n);
      if (!choleskyInPlace(factor, n)) return undefined;
      return { factor, inverse: lowerInverse(factor, n) };
    }
    const h = splitPoint(n);
    const m = n - h;
    const top = await this.choleskyWithInverse(block(a, n, 0, 0, h, h), h);
    if (top === undefined) return undefined;
    // L21 = A21·L11⁻ᵀ and the Schur complement S = A22 − L21·L21ᵀ, in one run.
    const panel = await this.run(this.panelGraph(h, m), {
      a21: [block(a, n, h, 0, m, h), [m, h]],
      i11: [top.inverse, [h, h]],
      a22: [block(a, n, h, h, m, m), [m, m]],
    });
    const l21 = panel['l21']!;
    const bottom = await this.choleskyWithInverse(panel['s']!, m);
    if (bottom === undefined) return undefined;
    // The inverse's lower-left block: −L22⁻¹·L21·L11⁻¹.
    const i21 = (
      await this.run(this.offDiagonalGraph(h, m), { i22: [bottom.inverse, [m, m]], l21: [l21, [m, h]], i11: [top.inverse, [h, h]] })
    )['i21']!;
    const factor = new Float64Array(n * n);
    const inverse = new Float64Array(n * n);
    place(factor, n, 0, 0, top.factor, h, h);
    place(factor, n, h, 0, l21, m, h);
    place(factor, n, h, h, bottom.factor, m, m);
    place(inverse, n, 0, 0, top.inverse, h, h);
    place(inverse, n, h, 0, i21, m, h);
    place(inverse, n, h, h, bottom.inverse, m, m);
    return { factor, inverse };
  }

  /**
   * With T = L⁻¹ (n × n) and right-hand sides Q (n × c): U = T·Q and W = Tᵀ·U = A⁻¹·Q.
   */
  async solveWithInverse(inverse: Float64Array, q: Float64Array, n: number, c: number): Promise<{ u: Float64Array; w: Float64Array }> {
    if (c === 0) return { u: new Float64Array(0), w: new Float64Array(0) };
    const out = await this.run(this.solveGraph(n, c), { t: [inverse, [n, n]], q: [q, [n, c]] });
    return { u: out['u']!, w: out['w']! };
  }

  private async run(model: Model, feeds: Record<string, [Float64Array, number[]]>): Promise<Record<string, Float64Array>> {
    const inputs = Object.fromEntries(Object.entries(feeds).map(([name, [data, shape]]) => [name, tensor('float64', shape, data)]));
    const out = await this.executor.forward(model, inputs);
    return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, t.data as Float64Array]));
  }

  private panelGraph(h: number, m: number): Model {
    return this.graphs.get(`panel ${h} ${m}`, () => {
      const b = new GraphBuilder({ name: 'cholesky_panel' });
      const a21 = b.input('a21', 'float64', [m, h]);
      const i11 = b.input('i11', 'float64', [h, h]);
      const a22 = b.input('a22', 'float64', [m, m]);
      const l21 = b.gemm(a21, i11, undefined, { transB: true });
      output(b, l21, 'l21', [m, h]);
      output(b, b.gemm(l21, l21, a22, { transB: true, alpha: -1, beta: 1 }), 's', [m, m]);
      return b.build();
    });
  }

  private offDiagonalGraph(h: number, m: number): Model {
    return this.graphs.get(`offdiag ${h} ${m}`, () => {
      const b = new GraphBuilder({ name: 'cholesky_inverse_block' });
      const i22 = b.input('i22', 'float64', [m, m]);
      const l21 = b.input('l21', 'float64', [m, h]);
      const i11 = b.input('i11', 'float64', [h, h]);
      output(b, b.gemm(b.matMul(i22, l21), i11, undefined, { alpha: -1 }), 'i21', [m, h]);
      return b.build();
    });
  }

  private solveGraph(n: number, c: number): Model {
    return this.graphs.get(`solve ${n} ${c}`, () => {
      const b = new GraphBuilder({ name: 'ridge_solve' });
      const t = b.input('t', 'float64', [n, n]);
      const q = b.input('q', 'float64', [n, c]);
      const u = b.matMul(t, q);
      output(b, u, 'u', [n, c]);
      output(b, b.gemm(t, u, undefined, { transA: true }), 'w', [n, c]);
      return b.build();
    });
  }
}

/** Makes `value` a float64 graph output called `name` (the builder names values freshly). */
function output(b: GraphBuilder, value: string, name: string, shape: readonly number[]): void {
  b.output(b.op('Identity', [value], undefined, { outputs: [name] })[0]!, 'float64', shape);
}

/** Where a matrix of size n > block is split: a multiple of the block size near the middle. */
function splitPoint(n: number): number {
  return Math.max(DENSE_BLOCK, Math.round(n / 2 / DENSE_BLOCK) * DENSE_BLOCK);
}

/** A copy of the `rows × cols` block of `a` (row-major, width `n`) at (r0, c0). */
function block(a: Float64Array, n: number, r0: number, c0: number, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) out.set(a.subarray((r0 + i) * n + c0, (r0 + i) * n + c0 + cols), i * cols);
  return out;
}

/** Writes `src` (`rows × cols`) into `a` (width `n`) at (r0, c0). */
function place(a: Float64Array, n: number, r0: number, c0: number, src: Float64Array, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) a.set(src.subarray(i * cols, (i + 1) * cols), (r0 + i) * n + c0);
}

/**
 * Overwrites `a` (n × n, row-major) with its lower Cholesky factor (upper triangle zeroed); false
 * when a pivot is not positive (not positive definite, or too ill-conditioned for float64).
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j]!;
    for (let k = 0; k < j; k++) d -= a[rj + k]! * a[rj + k]!;
    if (!(d > 0)) return false;
    d = Math.sqrt(d);
    a[rj + j] = d;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = s / d;
    }
    for (let k = j + 1; k < n; k++) a[rj + k] = 0;
  }
  return true;
}

/** The inverse of the lower triangular `l` (n × n, row-major, non-zero diagonal), by forward substitution. */
export function lowerInverse(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const dii = l[ri + i]!;
    inv[ri + i] = 1 / dii;
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let k = j; k < i; k++) s += l[ri + k]! * inv[k * n + j]!;
      inv[ri + j] = -s / dii;
    }
  }
  return inv;
}
