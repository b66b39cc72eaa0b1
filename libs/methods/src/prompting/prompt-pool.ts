import { InvalidArgumentError } from '@mneme/errors';
import type { ParameterStore } from '@mneme/execution';
import { Rng } from '@mneme/random';
import { tensor } from '@mneme/tensor';

/** Parameter names of a prompt pool in its store. */
export const POOL_PARAMS = Object.freeze({
  /** float32 [size, length, dim]: the prompts, `length` token embeddings each. */
  prompts: 'l2p.prompts',
  /** float32 [size, dim]: one learnable key per prompt. */
  keys: 'l2p.keys',
});

/** Shape of a prompt pool. */
export interface PromptPoolShape {
  /** Prompts in the pool (M). */
  readonly size: number;
  /** Token embeddings per prompt (L). */
  readonly length: number;
  /** Prompts selected per input (N ≤ M). */
  readonly selected: number;
  /** Width of a token embedding (the encoder's hidden size). */
  readonly dim: number;
}

/**
 * Adds a prompt pool's parameters to `store`, drawn U(−1, 1) as the L2P reference code does
 * (`nn.init.uniform_(-1, 1)` for prompts and keys), seeded.
 */
export function initPromptPool(store: ParameterStore, shape: PromptPoolShape, seed: number): void {
  const { prompts, keys, rng } = poolArrays(shape, seed);
  fillUniform(rng, prompts, 0, prompts.length);
  fillUniform(rng, keys, 0, keys.length);
  setPool(store, shape, prompts, keys);
}

/**
 * {@link initPromptPool} for a server: the same values, drawn in slices with a turn of the event
 * loop between them, so that a large pool (tens of millions of values, seconds of drawing) never
 * holds up health checks and other calls of the process.
 */
export async function initPromptPoolYielding(store: ParameterStore, shape: PromptPoolShape, seed: number, slice = 1 << 18): Promise<void> {
  const { prompts, keys, rng } = poolArrays(shape, seed);
  for (const values of [prompts, keys]) {
    for (let at = 0; at < values.length; at += slice) {
      fillUniform(rng, values, at, Math.min(values.length, at + slice));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  setPool(store, shape, prompts, keys);
}

function poolArrays(shape: PromptPoolShape, seed: number): { prompts: Float32Array; keys: Float32Array; rng: Rng } {
  return {
    prompts: new Float32Array(shape.size * shape.length * shape.dim),
    keys: new Float32Array(shape.size * shape.dim),
    rng: Rng.seeded(seed),
  };
}

/** U(−1, 1) into `values[from..to)`, in order (prompts first, then keys: the draw order is the seed's contract). */
function fillUniform(rng: Rng, values: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) values[i] = rng.uniform(-1, 1);
}

function setPool(store: ParameterStore, shape: PromptPoolShape, prompts: Float32Array, keys: Float32Array): void {
  store.set(POOL_PARAMS.prompts, tensor('float32', [shape.size, shape.length, shape.dim], prompts));
  store.set(POOL_PARAMS.keys, tensor('float32', [shape.size, shape.dim], keys));
}

/**
 * The `n` prompts per query with the highest cosine similarity between query and key (L2P's
 * query-key matching), `rows × n` indices, best first. With `frequency` (training only), L2P's
 * optional diversifying penalty: the distance 1 − cos of each key is multiplied by that prompt's
 * normalised selection frequency in earlier experiences, so rarely used prompts win; ties (e.g.
 * unused prompts, whose penalised distance is 0) fall back to the plain distance, then the index.
 */
export function selectPrompts(queries: Float32Array, keys: Float32Array, dim: number, n: number, frequency?: Float32Array): Int32Array {
  const size = keys.length / dim;
  const rows = queries.length / dim;
  if (!Number.isInteger(size) || !Number.isInteger(rows))
    throw new InvalidArgumentError(`queries (${queries.length}) and keys (${keys.length}) must be multiples of the dimension ${dim}`);
  if (!Number.isInteger(n) || n < 1 || n > size) throw new InvalidArgumentError(`cannot select ${n} of ${size} prompts`);
  const keyNorm = new Float64Array(size);
  for (let m = 0; m < size; m++) keyNorm[m] = norm(keys, m * dim, dim);
  const out = new Int32Array(rows * n);
  const distance = new Float64Array(size);
  const score = new Float64Array(size);
  const order = [...Array(size).keys()];
  for (let r = 0; r < rows; r++) {
    const qn = norm(queries, r * dim, dim);
    for (let m = 0; m < size; m++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += queries[r * dim + d]! * keys[m * dim + d]!;
      distance[m] = 1 - dot / Math.max(qn * keyNorm[m]!, 1e-12);
      score[m] = frequency === undefined ? distance[m]! : distance[m]! * frequency[m]!;
    }
    order.sort((a, b) => score[a]! - score[b]! || distance[a]! - distance[b]! || a - b);
    for (let j = 0; j < n; j++) out[r * n + j] = order[j]!;
  }
  return out;
}

function norm(x: Float32Array, offset: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += x[offset + d]! * x[offset + d]!;
  return Math.sqrt(s);
}

/**
 * The inverse of `gatherRows` (`@mneme/tensor`) for gradients: per-sample gradients scatter-added back into a
 * pool-shaped gradient (`size × rowSize`), with the pool rows that received any.
 */
export function scatterAddRows(
  grad: Float32Array,
  rowSize: number,
  selection: Int32Array,
  size: number,
): { grad: Float32Array; touched: Uint8Array } {
  const out = new Float32Array(size * rowSize);
  const touched = new Uint8Array(size);
  selection.forEach((m, i) => {
    touched[m] = 1;
    for (let d = 0; d < rowSize; d++) out[m * rowSize + d]! += grad[i * rowSize + d]!;
  });
  return { grad: out, touched };
}

/** How often each prompt was selected: counts per prompt, normalised to sum 1 (all 0 when none). */
export function normalisedFrequency(counts: readonly number[]): Float32Array {
  const total = counts.reduce((a, c) => a + c, 0);
  return Float32Array.from(counts, (c) => (total === 0 ? 0 : c / total));
}
