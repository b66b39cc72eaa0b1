import { selectPrompts } from '@mneme/methods';
import { gatherRows } from '@mneme/tensor';
import type { PoolVersion } from './pool-version.js';

/** The prompts chosen for a batch of queries. */
export interface Selection {
  /** `batch × N` prompt indices, best first per query. */
  readonly indices: Int32Array;
  /** Cosine similarity of each chosen key to its query, same layout. */
  readonly similarities: Float32Array;
}

/** L2P's query-key matching: the N keys most cosine-similar to each query (libs/methods). */
export function selectFor(pool: PoolVersion, queries: Float32Array): Selection {
  const dim = pool.spec.hiddenSize;
  const n = pool.spec.topN;
  // A prefix pool before its first experience (or DualPrompt's G-prompt alone) has nothing to choose.
  if (n === 0) return { indices: new Int32Array(0), similarities: new Float32Array(0) };
  const indices = selectPrompts(queries, pool.keys, dim, n);
  const similarities = Float32Array.from(indices, (m, i) => cosine(queries, Math.floor(i / n) * dim, pool.keys, m * dim, dim));
  return { indices, similarities };
}

/** The chosen prompts' token embeddings per query, ready to prepend: `batch × N·L × hidden`. */
export function gatherPrompts(pool: PoolVersion, selection: Selection): Float32Array {
  return gatherRows(pool.prompts, pool.spec.promptLength * pool.spec.hiddenSize, selection.indices);
}

function cosine(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let d = 0; d < dim; d++) {
    dot += a[ai + d]! * b[bi + d]!;
    na += a[ai + d]! * a[ai + d]!;
    nb += b[bi + d]! * b[bi + d]!;
  }
  // Same floor as libs/methods' selection, so a zero query scores 0 rather than NaN.
  return dot / Math.max(Math.sqrt(na * nb), 1e-12);
}
