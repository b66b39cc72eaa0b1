/**
 * Streaming second-order statistics for closed-form (ridge) heads: the Gram matrix G = Σ hᵢhᵢᵀ and
 * the class matrix Q = Σ hᵢ·onehot(yᵢ)ᵀ of every feature row seen, accumulated in float64, and the
 * sample count. Rows may also be removed (exact unlearning: the statistics then equal those of the
 * stream without them).
 *
 * Rows are buffered and folded into G a block at a time: the block's product HᵀH runs as one GEMM
 * on the executor and is added into the float64 G. A per-row update would cost a width² loop per
 * sample in JavaScript; one GEMM per block is what makes a 2048-wide update fit in a couple of
 * milliseconds per batch. The GEMM is float64 (`exact`: products of float32 rows are exact in
 * float64, so G is the stream's Gram matrix to float64 rounding, and a removal undoes an addition
 * to that precision) or float32 (`fast`: about twice the speed; each block's partial sums over at
 * most `foldRows` rows carry float32 rounding, ~1e-7 relative).
 */
import { InvalidArgumentError } from '@mneme/errors';
import type { Executor } from '@mneme/execution';
import { GraphBuilder, type Model } from '@mneme/graph';
import { tensor } from '@mneme/tensor';

/** A JSON-safe copy of {@link GramStatistics} (float arrays as base64 of their bytes). */
export interface GramSnapshot {
  readonly width: number;
  readonly count: number;
  /** G's lower triangle (row by row, diagonal included), float64. */
  readonly gramLower: string;
  /** Q as `classes` columns of `width` values, float64. */
  readonly targets: string;
  readonly classes: number;
  /** Rows added but not yet folded into G, float32. */
  readonly pending: string;
  readonly pendingRows: number;
}

/** The GEMM precision of a Gram fold; see the module comment. */
export type GramPrecision = 'exact' | 'fast';

/** G, Q and the count of a stream of feature rows; see the module comment. */
export class GramStatistics {
  /** G in full (float64, width × width, row-major); only the lower triangle is maintained. */
  private gram: Float64Array;
  /** Q's columns, one per class (float64, `width` each). */
  private targets: Float64Array[] = [];
  private rows = 0;
  /** Rows awaiting their fold into G (float32, `foldRows × width`; unused rows stay zero). */
  private buffer: Float32Array;
  private buffered = 0;
  private readonly foldModel: Model;

  /**
   * @param width the feature rows' width
   * @param foldRows rows folded into G per GEMM
   */
  constructor(
    private readonly executor: Executor,
    readonly width: number,
    readonly foldRows: number,
    readonly precision: GramPrecision = 'exact',
    foldModel?: Model,
  ) {
    this.gram = new Float64Array(width * width);
    this.buffer = new Float32Array(foldRows * width);
    this.foldModel = foldModel ?? GramStatistics.foldGraph(width, foldRows, precision);
  }

  /**
   * The graph of one fold: the lower-triangular blocks of HᵀH for a `foldRows × width` block H,
   * in the precision's dtype. H's columns are cut into {@link foldParts} parts and only the blocks
   * on or below the diagonal are multiplied (10 of 16 for four parts): G is symmetric.
   */
  private static foldGraph(width: number, foldRows: number, precision: GramPrecision): Model {
    const b = new GraphBuilder({ name: 'gram_fold' });
    const rows = b.input('h', 'float32', [foldRows, width]);
    const dtype = precision === 'exact' ? 'float64' : 'float32';
    const h = precision === 'exact' ? b.cast(rows, 'float64') : rows;
    const parts = foldParts(width);
    const columns = parts.map(([from, to]) => (parts.length === 1 ? h : b.slice(h, [from], [to], [1])));
    parts.forEach(([fromI, toI], i) => {
      for (let j = 0; j <= i; j++) {
        const [fromJ, toJ] = parts[j]!;
        // Gemm with transA: H_iᵀH_j without materialising the transpose.
        const product = b.gemm(columns[i]!, columns[j]!, undefined, { transA: true });
        b.output(b.op('Identity', [product], undefined, { outputs: [`g${i}_${j}`] })[0]!, dtype, [toI - fromI, toJ - fromJ]);
      }
    });
    return b.build();
  }

  /** Samples the statistics hold. */
  get count(): number {
    return this.rows;
  }

  /** Classes Q has a column for. */
  get classes(): number {
    return this.targets.length;
  }

  /** Adds columns to Q up to `count` classes (zero: no sample of them yet). */
  growClasses(count: number): void {
    while (this.targets.length < count) this.targets.push(new Float64Array(this.width));
  }

  /** Adds `labels.length` rows (`rows × width`, float32); every label must be below {@link classes}. */
  async add(features: Float32Array, labels: Int32Array): Promise<void> {
    this.updateTargets(features, labels, 1);
    this.rows += labels.length;
    for (let r = 0; r < labels.length; r++) {
      this.buffer.set(features.subarray(r * this.width, (r + 1) * this.width), this.buffered * this.width);
      if (++this.buffered === this.foldRows) await this.flush();
    }
  }

  /** Removes rows added before (exact downdate of G, Q and the count). */
  async remove(features: Float32Array, labels: Int32Array): Promise<void> {
    this.updateTargets(features, labels, -1);
    this.rows -= labels.length;
    const block = new Float32Array(this.foldRows * this.width);
    for (let first = 0; first < labels.length; first += this.foldRows) {
      const rows = Math.min(this.foldRows, labels.length - first);
      block.fill(0);
      block.set(features.subarray(first * this.width, (first + rows) * this.width));
      await this.accumulate(block, -1);
    }
  }

  /**
   * A copy with the buffered rows folded in and `removals` (already projected) taken out: what a
   * solve reads. The statistics themselves are left as they are, so that when their blocks fold
   * depends only on the stream, never on when predictions were made.
   */
  async settled(removals?: { readonly features: Float32Array; readonly labels: Int32Array }): Promise<GramStatistics> {
    const copy = new GramStatistics(this.executor, this.width, this.foldRows, this.precision, this.foldModel);
    copy.gram = this.gram.slice();
    copy.targets = this.targets.map((t) => t.slice());
    copy.rows = this.rows;
    copy.buffer = this.buffer.slice();
    copy.buffered = this.buffered;
    await copy.flush();
    if (removals !== undefined && removals.labels.length > 0) await copy.remove(removals.features, removals.labels);
    return copy;
  }

  /** Folds the buffered rows into G. */
  async flush(): Promise<void> {
    if (this.buffered === 0) return;
    await this.accumulate(this.buffer, 1);
    this.buffer.fill(0);
    this.buffered = 0;
  }

  /**
   * G (after {@link flush}) as a full symmetric float64 matrix plus `ridge` on the diagonal, and Q
   * as a `width × classes` row-major matrix.
   */
  regularised(ridge: number): { gram: Float64Array; targets: Float64Array } {
    const n = this.width;
    const gram = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const v = this.gram[i * n + j]!;
        gram[i * n + j] = v;
        gram[j * n + i] = v;
      }
      gram[i * n + i] = this.gram[i * n + i]! + ridge;
    }
    const c = this.targets.length;
    const targets = new Float64Array(n * c);
    this.targets.forEach((column, k) => {
      for (let i = 0; i < n; i++) targets[i * c + k] = column[i]!;
    });
    return { gram, targets };
  }

  /** The mean of G's diagonal (its trace over width): the scale ridge strengths are relative to. */
  meanDiagonal(): number {
    let t = 0;
    for (let i = 0; i < this.width; i++) t += this.gram[i * this.width + i]!;
    return t / this.width;
  }

  snapshot(): GramSnapshot {
    const n = this.width;
    const lower = new Float64Array((n * (n + 1)) / 2);
    let k = 0;
    for (let i = 0; i < n; i++) {
      lower.set(this.gram.subarray(i * n, i * n + i + 1), k);
      k += i + 1;
    }
    const targets = new Float64Array(this.targets.length * n);
    this.targets.forEach((column, c) => targets.set(column, c * n));
    return {
      width: n,
      count: this.rows,
      gramLower: toBase64(lower),
      targets: toBase64(targets),
      classes: this.targets.length,
      pending: toBase64(this.buffer.subarray(0, this.buffered * n)),
      pendingRows: this.buffered,
    };
  }

  restore(snapshot: GramSnapshot): void {
    const n = this.width;
    if (snapshot.width !== n)
      throw new InvalidArgumentError(
        `saved statistics are ${snapshot.width} wide, this head's feature rows are ${n}: the state was saved with other projection or inputs settings`,
      );
    const lower = fromBase64(snapshot.gramLower, Float64Array);
    this.gram = new Float64Array(n * n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      this.gram.set(lower.subarray(k, k + i + 1), i * n);
      k += i + 1;
    }
    const targets = fromBase64(snapshot.targets, Float64Array);
    this.targets = Array.from({ length: snapshot.classes }, (_, c) => targets.slice(c * n, (c + 1) * n));
    this.rows = snapshot.count;
    this.buffer = new Float32Array(this.foldRows * n);
    this.buffer.set(fromBase64(snapshot.pending, Float32Array));
    this.buffered = snapshot.pendingRows;
  }

  private updateTargets(features: Float32Array, labels: Int32Array, sign: 1 | -1): void {
    for (let r = 0; r < labels.length; r++) {
      const column = this.targets[labels[r]!]!;
      const offset = r * this.width;
      for (let i = 0; i < this.width; i++) column[i]! += sign * features[offset + i]!;
    }
  }

  /** G += sign · BᵀB for one `foldRows × width` block B (zero rows add nothing); lower triangle only. */
  private async accumulate(block: Float32Array, sign: 1 | -1): Promise<void> {
    const out = await this.executor.forward(this.foldModel, { h: tensor('float32', [this.foldRows, this.width], block) });
    const n = this.width;
    const parts = foldParts(n);
    for (let i = 0; i < parts.length; i++) {
      for (let j = 0; j <= i; j++) {
        const product = out[`g${i}_${j}`]!.data;
        if (product instanceof Float64Array) addBlock(this.gram, n, product, parts[i]!, parts[j]!, i === j, sign);
        else addBlock32(this.gram, n, product as Float32Array, parts[i]!, parts[j]!, i === j, sign);
      }
    }
  }
}

/**
 * gram[r][c] += sign·block[r − fromI][c − fromJ] over the block's rows and columns, only at or left
 * of the diagonal on a diagonal block. One copy per element type keeps each loop monomorphic.
 */
function addBlock(
  gram: Float64Array,
  n: number,
  block: Float64Array,
  [fromI, toI]: [number, number],
  [fromJ, toJ]: [number, number],
  diagonal: boolean,
  sign: number,
): void {
  const cols = toJ - fromJ;
  for (let r = fromI; r < toI; r++) {
    const row = r * n;
    const src = (r - fromI) * cols - fromJ;
    const last = diagonal ? r : toJ - 1;
    for (let c = fromJ; c <= last; c++) gram[row + c]! += sign * block[src + c]!;
  }
}

/** {@link addBlock} for float32 blocks. */
function addBlock32(
  gram: Float64Array,
  n: number,
  block: Float32Array,
  [fromI, toI]: [number, number],
  [fromJ, toJ]: [number, number],
  diagonal: boolean,
  sign: number,
): void {
  const cols = toJ - fromJ;
  for (let r = fromI; r < toI; r++) {
    const row = r * n;
    const src = (r - fromI) * cols - fromJ;
    const last = diagonal ? r : toJ - 1;
    for (let c = fromJ; c <= last; c++) gram[row + c]! += sign * block[src + c]!;
  }
}

/** Column ranges [from, to) a fold splits G into: four parts once the width makes GEMMs worth it. */
function foldParts(width: number): [number, number][] {
  const count = width >= 256 ? 4 : 1;
  const size = Math.ceil(width / count);
  return Array.from({ length: count }, (_, k): [number, number] => [k * size, Math.min(width, (k + 1) * size)]).filter(([a, b]) => b > a);
}

/** Base64 of a typed array's bytes (little-endian, as every supported platform stores them). */
export function toBase64(values: Float32Array | Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** The typed array whose bytes `text` holds (see {@link toBase64}). */
export function fromBase64<T extends Float32Array | Float64Array>(
  text: string,
  type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
): T {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % type.BYTES_PER_ELEMENT !== 0)
    throw new InvalidArgumentError(
      `saved array of ${bytes.byteLength} bytes is not a whole number of ${type.BYTES_PER_ELEMENT}-byte values`,
    );
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return new type(copy);
}
