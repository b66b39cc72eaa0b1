/**
 * A pure exact-search {@link NearestNeighbourIndex}: every query is compared with every entry. It
 * is the fallback of retrieval strategies when no native index is injected (tests, small sets):
 * exact and deterministic, but O(size × dimensions) JavaScript work per query, so the CLI injects
 * the HNSW index of libs/vector-index instead.
 */
import { InvalidArgumentError, NotFoundError } from '@mneme/errors';
import type { IndexEntries, IndexMetadata, NearestNeighbourIndex, NeighbourHits } from '@mneme/execution';
import { gatherRows } from '@mneme/tensor';

/** Squared norms this close to 1 count as unit, so re-adding stored entries is bit-exact. */
const UNIT_TOLERANCE = 1e-5;
const MAX_ID = 0x7fffffff;

/** An exact cosine-distance index held in JavaScript arrays (slots `0 … size − 1`). */
export class ExactIndex implements NearestNeighbourIndex {
  readonly capacity: number;
  private vectors: Float32Array;
  private ids: Int32Array;
  private labels: Int32Array;
  private metadata: (IndexMetadata | null)[] = [];
  private readonly slotOf = new Map<number, number>();
  private count = 0;

  /**
   * @param dimensions width of every vector
   * @param capacity most entries held @default Infinity
   * @throws InvalidArgumentError for a bad width or capacity
   */
  constructor(
    readonly dimensions: number,
    capacity = Number.POSITIVE_INFINITY,
  ) {
    if (!Number.isInteger(dimensions) || dimensions < 1)
      throw new InvalidArgumentError(`exact index: dimensions must be a positive integer, got ${dimensions}`);
    if (capacity !== Number.POSITIVE_INFINITY && (!Number.isInteger(capacity) || capacity < 1)) {
      throw new InvalidArgumentError(`exact index: capacity must be a positive integer or Infinity, got ${capacity}`);
    }
    this.capacity = capacity;
    this.vectors = new Float32Array(64 * dimensions);
    this.ids = new Int32Array(64);
    this.labels = new Int32Array(64);
  }

  /** Entries held now. */
  get size(): number {
    return this.count;
  }

  /** {@inheritDoc NearestNeighbourIndex.add} */
  add(
    ids: ArrayLike<number>,
    vectors: Float32Array,
    labels: ArrayLike<number>,
    metadata?: readonly (IndexMetadata | null | undefined)[],
  ): void {
    const d = this.dimensions;
    const n = ids.length;
    const problems: string[] = [];
    if (labels.length !== n) problems.push(`${labels.length} labels for ${n} ids`);
    if (metadata !== undefined && metadata.length !== n) problems.push(`${metadata.length} metadata entries for ${n} ids`);
    if (vectors.length !== n * d)
      problems.push(`vectors hold ${vectors.length} values but ${n} ids × dimensions ${d} = ${n * d} are needed`);
    const seen = new Set<number>();
    for (let i = 0; i < n && problems.length === 0; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0 || id > MAX_ID) problems.push(`id ${id} (entry ${i}) must be an integer in [0, ${MAX_ID}]`);
      else if (this.slotOf.has(id) || seen.has(id)) problems.push(`id ${id} (entry ${i}) is already held or repeated; ids must be unique`);
      seen.add(id);
      const label = labels[i]!;
      if (!Number.isInteger(label) || label < 0 || label > MAX_ID)
        problems.push(`label ${label} (entry ${i}) must be a non-negative 32-bit integer`);
    }
    if (this.count + n > this.capacity)
      problems.push(`adding ${n} entries to the ${this.count} held would exceed the capacity ${this.capacity}`);
    if (problems.length > 0) throw new InvalidArgumentError(problems.map((p) => `exact index: ${p}`));
    const unit = normaliseRows(vectors, d, 'vector');
    this.reserve(this.count + n);
    this.vectors.set(unit, this.count * d);
    for (let i = 0; i < n; i++) {
      this.ids[this.count + i] = ids[i]!;
      this.labels[this.count + i] = labels[i]!;
      this.metadata.push(metadata?.[i] ?? null);
      this.slotOf.set(ids[i]!, this.count + i);
    }
    this.count += n;
  }

  /** {@inheritDoc NearestNeighbourIndex.delete} */
  delete(ids: Iterable<number>): number {
    let removed = 0;
    const d = this.dimensions;
    for (const id of new Set(ids)) {
      const slot = this.slotOf.get(id);
      if (slot === undefined) continue;
      const last = this.count - 1;
      if (slot !== last) {
        this.vectors.copyWithin(slot * d, last * d, (last + 1) * d);
        this.ids[slot] = this.ids[last]!;
        this.labels[slot] = this.labels[last]!;
        this.metadata[slot] = this.metadata[last]!;
        this.slotOf.set(this.ids[slot], slot);
      }
      this.metadata.pop();
      this.slotOf.delete(id);
      this.count--;
      removed++;
    }
    return removed;
  }

  /** {@inheritDoc NearestNeighbourIndex.has} */
  has(id: number): boolean {
    return this.slotOf.has(id);
  }

  /** {@inheritDoc NearestNeighbourIndex.search} */
  search(query: Float32Array, k: number): NeighbourHits {
    if (query.length !== this.dimensions)
      throw new InvalidArgumentError(`exact index: a query must hold exactly ${this.dimensions} values, got ${query.length}`);
    return this.searchBatch(query, k)[0]!;
  }

  /** {@inheritDoc NearestNeighbourIndex.searchBatch} */
  searchBatch(queries: Float32Array, k: number): NeighbourHits[] {
    const d = this.dimensions;
    if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError(`exact index: k must be a positive integer, got ${k}`);
    if (queries.length % d !== 0)
      throw new InvalidArgumentError(`exact index: queries hold ${queries.length} values, not a multiple of the dimensions ${d}`);
    const q = normaliseRows(queries, d, 'query');
    const rows = q.length / d;
    const limit = Math.min(k, this.count);
    const out: NeighbourHits[] = [];
    const similarity = new Float64Array(this.count);
    for (let r = 0; r < rows; r++) {
      for (let s = 0; s < this.count; s++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += q[r * d + j]! * this.vectors[s * d + j]!;
        similarity[s] = dot;
      }
      // Ties go to the earlier slot, so results never depend on sort stability.
      const best = [...Array(this.count).keys()].sort((a, b) => similarity[b]! - similarity[a]! || a - b).slice(0, limit);
      out.push({
        ids: Int32Array.from(best, (s) => this.ids[s]!),
        distances: Float32Array.from(best, (s) => 1 - similarity[s]!),
        labels: Int32Array.from(best, (s) => this.labels[s]!),
      });
    }
    return out;
  }

  /** {@inheritDoc NearestNeighbourIndex.get} */
  get(ids: ArrayLike<number>): IndexEntries {
    const missing = Array.from(ids).filter((id) => !this.slotOf.has(id));
    if (missing.length > 0) throw new NotFoundError(`exact index holds no entries with ids ${missing.slice(0, 10).join(', ')}`);
    return this.gather(Array.from(ids, (id) => this.slotOf.get(id)!));
  }

  /** {@inheritDoc NearestNeighbourIndex.entries} */
  entries(): IndexEntries {
    return this.gather([...Array(this.count).keys()]);
  }

  private gather(slots: readonly number[]): IndexEntries {
    const d = this.dimensions;
    const vectors = gatherRows(this.vectors, d, slots);
    return {
      ids: Int32Array.from(slots, (s) => this.ids[s]!),
      vectors,
      labels: Int32Array.from(slots, (s) => this.labels[s]!),
      metadata: slots.map((s) => this.metadata[s] ?? null),
    };
  }

  private reserve(entries: number): void {
    if (entries <= this.ids.length) return;
    const size = Math.max(entries, 2 * this.ids.length);
    const vectors = new Float32Array(size * this.dimensions);
    vectors.set(this.vectors.subarray(0, this.count * this.dimensions));
    const ids = new Int32Array(size);
    ids.set(this.ids.subarray(0, this.count));
    const labels = new Int32Array(size);
    labels.set(this.labels.subarray(0, this.count));
    this.vectors = vectors;
    this.ids = ids;
    this.labels = labels;
  }
}

/** Unit-normalised copies of the rows of `values`; already-unit rows are copied unchanged. */
function normaliseRows(values: Float32Array, d: number, what: string): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r * d < values.length; r++) {
    let norm = 0;
    for (let j = r * d; j < (r + 1) * d; j++) {
      const v = values[j]!;
      if (!Number.isFinite(v))
        throw new InvalidArgumentError(`exact index: value ${j - r * d} of ${what} ${r} is ${v}; vectors must be finite`);
      norm += v * v;
    }
    if (norm === 0) throw new InvalidArgumentError(`exact index: ${what} ${r} is all zeros; cosine distance needs a non-zero vector`);
    const scale = Math.abs(norm - 1) <= UNIT_TOLERANCE ? 1 : 1 / Math.sqrt(norm);
    for (let j = r * d; j < (r + 1) * d; j++) out[j] = values[j]! * scale;
  }
  return out;
}
