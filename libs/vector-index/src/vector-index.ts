/**
 * A labelled vector index on usearch (Malkov & Yashunin 2018's HNSW graph, in Unum's usearch),
 * with exact search while the index is small: below a size threshold a brute-force scan is both
 * exact and faster than walking a graph, and building the graph is deferred until it pays off.
 */
import { InvalidArgumentError, NotFoundError } from '@mneme/errors';
import type { IndexEntries, IndexMetadata, NearestNeighbourIndex, NearestNeighbourIndexFactory, NeighbourHits } from '@mneme/execution';
import { gatherRows } from '@mneme/tensor';
import { BatchMatches, exactSearch, Index, type Matches, MetricKind, ScalarKind } from 'usearch';
import { readIndexFiles, writeIndexFiles } from './index-files.js';

/** Options of {@link VectorIndex}. */
export interface VectorIndexOptions {
  /** Width of every vector. */
  readonly dimensions: number;
  /** Exact (brute-force) search while fewer entries than this are held; HNSW from then on. @default 5000 */
  readonly exactBelow?: number;
  /** Most entries the index may hold. @default Infinity */
  readonly capacity?: number;
  /** HNSW graph degree (M). @default 16 */
  readonly connectivity?: number;
  /** Candidate list size while inserting (efConstruction). @default 128 */
  readonly expansionAdd?: number;
  /** Candidate list size while searching (ef); higher is slower and more exact. @default 64 */
  readonly expansionSearch?: number;
  /**
   * Threads for inserts and searches. 1 keeps graph construction deterministic (the same inserts
   * in the same order give the same graph and the same answers); 0 uses every core. @default 1
   */
  readonly threads?: number;
}

/** Defaults of {@link VectorIndexOptions}. */
export const VECTOR_INDEX_DEFAULTS = Object.freeze({
  exactBelow: 5000,
  capacity: Number.POSITIVE_INFINITY,
  connectivity: 16,
  expansionAdd: 128,
  expansionSearch: 64,
  threads: 1,
});

type ResolvedOptions = Required<VectorIndexOptions>;

/** Squared norms this close to 1 count as unit (float32 rounding of a normalised row). */
const UNIT_TOLERANCE = 1e-5;

/** Largest id: ids are non-negative 32-bit integers (the sample ids of a stream). */
const MAX_ID = 0x7fffffff;

/**
 * A labelled nearest-neighbour index of unit-normalised vectors under cosine distance. Entries are
 * kept in a contiguous JS-side store (slots `0 … size − 1`, deletion moves the last slot into the
 * hole) that serves exact search, `get`, snapshots and persistence; once the index reaches
 * `exactBelow` entries an HNSW graph is built from the store and maintained on every add and delete.
 */
export class VectorIndex implements NearestNeighbourIndex {
  readonly dimensions: number;
  readonly capacity: number;
  /** The options in force (defaults filled in). */
  readonly options: Readonly<ResolvedOptions>;
  private vectors: Float32Array;
  private ids: Int32Array;
  private labels: Int32Array;
  private metadata: (IndexMetadata | null)[] = [];
  private readonly slotOf = new Map<number, number>();
  private count = 0;
  private graph: Index | undefined;

  /** @throws InvalidArgumentError listing every bad option */
  constructor(options: VectorIndexOptions) {
    const o: ResolvedOptions = { ...VECTOR_INDEX_DEFAULTS, ...options };
    const problems: string[] = [];
    const positiveInt = (name: string, v: number, min = 1) => {
      if (!Number.isInteger(v) || v < min) problems.push(`${name} must be an integer ≥ ${min}, got ${v}`);
    };
    positiveInt('dimensions', o.dimensions);
    positiveInt('exactBelow', o.exactBelow, 0);
    positiveInt('connectivity', o.connectivity, 2);
    positiveInt('expansionAdd', o.expansionAdd);
    positiveInt('expansionSearch', o.expansionSearch);
    positiveInt('threads', o.threads, 0);
    if (o.capacity !== Number.POSITIVE_INFINITY) positiveInt('capacity', o.capacity);
    if (problems.length > 0) throw new InvalidArgumentError(problems.map((p) => `vector index: ${p}`));
    this.options = Object.freeze(o);
    this.dimensions = o.dimensions;
    this.capacity = o.capacity;
    const initial = Math.min(1024, Number.isFinite(o.capacity) ? o.capacity : 1024);
    this.vectors = new Float32Array(initial * o.dimensions);
    this.ids = new Int32Array(initial);
    this.labels = new Int32Array(initial);
  }

  /** Entries held now. */
  get size(): number {
    return this.count;
  }

  /** Whether searches walk the HNSW graph (true) or scan every entry (false). */
  get approximate(): boolean {
    return this.graph !== undefined && this.count >= this.options.exactBelow;
  }

  /** {@inheritDoc NearestNeighbourIndex.add} */
  add(
    ids: ArrayLike<number>,
    vectors: Float32Array,
    labels: ArrayLike<number>,
    metadata?: readonly (IndexMetadata | null | undefined)[],
  ): void {
    const normalised = this.validateAdd(ids, vectors, labels, metadata);
    const n = ids.length;
    if (n === 0) return;
    this.reserve(this.count + n);
    const d = this.dimensions;
    const first = this.count;
    this.vectors.set(normalised, first * d);
    for (let i = 0; i < n; i++) {
      this.ids[first + i] = ids[i]!;
      this.labels[first + i] = labels[i]!;
      this.metadata.push(metadata?.[i] ?? null);
      this.slotOf.set(ids[i]!, first + i);
    }
    this.count += n;
    if (this.graph !== undefined) this.graph.add(toKeys(ids), normalised, this.options.threads);
    else if (this.count >= this.options.exactBelow) this.buildGraph();
  }

  /** {@inheritDoc NearestNeighbourIndex.delete} */
  delete(ids: Iterable<number>): number {
    const doomed = new Set<number>();
    for (const id of ids) if (this.slotOf.has(id)) doomed.add(id);
    for (const id of doomed) {
      const slot = this.slotOf.get(id)!;
      this.moveSlot(this.count - 1, slot);
      this.slotOf.delete(id);
      this.metadata.pop();
      this.count--;
    }
    if (this.graph !== undefined && doomed.size > 0) this.graph.remove(toKeys([...doomed]));
    return doomed.size;
  }

  /** {@inheritDoc NearestNeighbourIndex.has} */
  has(id: number): boolean {
    return this.slotOf.has(id);
  }

  /** {@inheritDoc NearestNeighbourIndex.search} */
  search(query: Float32Array, k: number): NeighbourHits {
    this.checkQueries(query, k, 'query');
    return this.searchBatch(query, k)[0]!;
  }

  /** {@inheritDoc NearestNeighbourIndex.searchBatch} */
  searchBatch(queries: Float32Array, k: number): NeighbourHits[] {
    const rows = this.checkQueries(queries, k, 'queries');
    const d = this.dimensions;
    const q = normaliseRows(queries, d, 'query');
    if (this.count === 0 || rows === 0) return Array.from({ length: rows }, () => emptyHits());
    const limit = Math.min(k, this.count);
    if (this.approximate) {
      const found = this.graph!.search(q, limit, this.options.threads);
      return Array.from({ length: rows }, (_, r) => this.hitsFromKeys(found instanceof BatchMatches ? found.get(r) : found));
    }
    const found = exactSearch(this.vectors.subarray(0, this.count * d), q, d, limit, MetricKind.IP, this.options.threads);
    return Array.from({ length: rows }, (_, r) => this.hitsFromSlots(found instanceof BatchMatches ? found.get(r) : found));
  }

  /** {@inheritDoc NearestNeighbourIndex.get} */
  get(ids: ArrayLike<number>): IndexEntries {
    const missing: number[] = [];
    const slots = Array.from(ids, (id) => {
      const slot = this.slotOf.get(id);
      if (slot === undefined) missing.push(id);
      return slot ?? 0;
    });
    if (missing.length > 0)
      throw new NotFoundError(
        `vector index holds no entries with ids ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`,
      );
    return this.gather(slots);
  }

  /** {@inheritDoc NearestNeighbourIndex.entries} */
  entries(): IndexEntries {
    return this.gather([...Array(this.count).keys()]);
  }

  /**
   * Writes the index to `dir` (created if missing): the HNSW graph file when built, a binary file of
   * ids, labels and vectors, a metadata JSON file, and last a manifest naming them. Files carry a
   * fresh generation in their names and the manifest is renamed into place, so a reader (or a
   * crash) sees either the previous save or this one, never a mix; older generations are removed.
   */
  async save(dir: string): Promise<void> {
    const entries = this.entries();
    await writeIndexFiles(dir, {
      options: { ...this.options, capacity: Number.isFinite(this.capacity) ? this.capacity : null },
      entries,
      ...(this.graph === undefined ? {} : { graph: this.graph }),
    });
  }

  /**
   * Reads an index written by {@link save}: entries from the sidecar, and the HNSW graph from its
   * file when one was saved (rebuilt when missing and the index is large enough).
   *
   * @throws InvalidArgumentError when the files are missing, of another format, or disagree
   */
  static async load(dir: string): Promise<VectorIndex> {
    const files = await readIndexFiles(dir);
    const { capacity, ...rest } = files.options;
    const index = new VectorIndex({ ...rest, capacity: capacity ?? Number.POSITIVE_INFINITY });
    index.fill(files.entries);
    if (files.graphPath !== undefined) {
      const graph = index.newGraph();
      graph.load(files.graphPath);
      if (graph.size() !== index.count)
        throw new InvalidArgumentError(`vector index in ${dir}: the graph holds ${graph.size()} entries but the sidecar ${index.count}`);
      index.graph = graph;
    } else if (index.count >= index.options.exactBelow) {
      index.buildGraph();
    }
    return index;
  }

  /** Appends validated entries without touching the graph (loading). */
  private fill(entries: IndexEntries): void {
    this.validateAdd(entries.ids, entries.vectors, entries.labels, entries.metadata);
    const n = entries.ids.length;
    this.reserve(n);
    this.vectors.set(entries.vectors);
    this.ids.set(entries.ids);
    this.labels.set(entries.labels);
    this.metadata = [...entries.metadata];
    entries.ids.forEach((id, slot) => this.slotOf.set(id, slot));
    this.count = n;
  }

  private newGraph(): Index {
    return new Index({
      dimensions: this.dimensions,
      metric: MetricKind.IP,
      connectivity: this.options.connectivity,
      expansion_add: this.options.expansionAdd,
      expansion_search: this.options.expansionSearch,
      quantization: ScalarKind.F32,
      multi: false,
    });
  }

  private buildGraph(): void {
    const graph = this.newGraph();
    if (this.count > 0)
      graph.add(toKeys(this.ids.subarray(0, this.count)), this.vectors.subarray(0, this.count * this.dimensions), this.options.threads);
    this.graph = graph;
  }

  private hitsFromKeys(m: Matches): NeighbourHits {
    const n = m.keys.length;
    const ids = new Int32Array(n);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = Number(m.keys[i]);
      labels[i] = this.labels[this.slotOf.get(ids[i]!)!]!;
    }
    return { ids, distances: Float32Array.from(m.distances), labels };
  }

  private hitsFromSlots(m: Matches): NeighbourHits {
    const n = m.keys.length;
    const ids = new Int32Array(n);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const slot = Number(m.keys[i]);
      ids[i] = this.ids[slot]!;
      labels[i] = this.labels[slot]!;
    }
    return { ids, distances: Float32Array.from(m.distances), labels };
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

  private moveSlot(from: number, to: number): void {
    if (from === to) return;
    const d = this.dimensions;
    this.vectors.copyWithin(to * d, from * d, (from + 1) * d);
    this.ids[to] = this.ids[from]!;
    this.labels[to] = this.labels[from]!;
    this.metadata[to] = this.metadata[from]!;
    this.slotOf.set(this.ids[to], to);
  }

  private reserve(entries: number): void {
    if (entries <= this.ids.length) return;
    // Doubling keeps appends amortised O(1); never beyond the capacity.
    const size = Math.min(Math.max(entries, 2 * this.ids.length), Number.isFinite(this.capacity) ? this.capacity : Number.MAX_SAFE_INTEGER);
    const grow = <T extends Float32Array | Int32Array>(old: T, make: (n: number) => T, width: number): T => {
      const next = make(size * width);
      next.set(old.subarray(0, this.count * width));
      return next;
    };
    this.vectors = grow(this.vectors, (n) => new Float32Array(n), this.dimensions);
    this.ids = grow(this.ids, (n) => new Int32Array(n), 1);
    this.labels = grow(this.labels, (n) => new Int32Array(n), 1);
  }

  /** Checks a whole add before anything changes; returns the unit-normalised vectors. */
  private validateAdd(
    ids: ArrayLike<number>,
    vectors: Float32Array,
    labels: ArrayLike<number>,
    metadata: readonly (IndexMetadata | null | undefined)[] | undefined,
  ): Float32Array {
    const problems: string[] = [];
    const n = ids.length;
    const d = this.dimensions;
    if (labels.length !== n) problems.push(`${labels.length} labels for ${n} ids`);
    if (metadata !== undefined && metadata.length !== n) problems.push(`${metadata.length} metadata entries for ${n} ids`);
    if (vectors.length !== n * d)
      problems.push(`vectors hold ${vectors.length} values but ${n} ids × dimensions ${d} = ${n * d} are needed`);
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0 || id > MAX_ID) {
        problems.push(`id ${id} (entry ${i}) must be an integer in [0, ${MAX_ID}]`);
        break;
      }
      if (this.slotOf.has(id) || seen.has(id)) {
        problems.push(
          `id ${id} (entry ${i}) is already ${seen.has(id) ? 'given earlier in this call' : 'held'}; ids must be unique (delete it first to replace it)`,
        );
        break;
      }
      seen.add(id);
    }
    const badLabel = Array.from(labels).findIndex((l) => !Number.isInteger(l) || l < 0 || l > MAX_ID);
    if (badLabel >= 0) problems.push(`label ${labels[badLabel]} (entry ${badLabel}) must be a non-negative 32-bit integer`);
    if (this.count + n > this.capacity)
      problems.push(`adding ${n} entries to the ${this.count} held would exceed the capacity ${this.capacity}; delete entries first`);
    if (problems.length > 0) throw new InvalidArgumentError(problems.map((p) => `vector index: ${p}`));
    return normaliseRows(vectors, d, 'vector');
  }

  private checkQueries(queries: Float32Array, k: number, what: string): number {
    const problems: string[] = [];
    if (!Number.isInteger(k) || k < 1) problems.push(`k must be a positive integer, got ${k}`);
    if (queries.length % this.dimensions !== 0)
      problems.push(`${what} holds ${queries.length} values, not a multiple of the dimensions ${this.dimensions}`);
    if (what === 'query' && queries.length !== this.dimensions)
      problems.push(`a query must hold exactly ${this.dimensions} values, got ${queries.length}`);
    if (problems.length > 0) throw new InvalidArgumentError(problems.map((p) => `vector index: ${p}`));
    return queries.length / this.dimensions;
  }
}

/** Unit-normalised copies of the rows of `values`. */
function normaliseRows(values: Float32Array, d: number, what: string): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r * d < values.length; r++) {
    let norm = 0;
    for (let j = r * d; j < (r + 1) * d; j++) {
      const v = values[j]!;
      if (!Number.isFinite(v))
        throw new InvalidArgumentError(`vector index: value ${j - r * d} of ${what} ${r} is ${v}; vectors must be finite`);
      norm += v * v;
    }
    if (norm === 0) throw new InvalidArgumentError(`vector index: ${what} ${r} is all zeros; cosine distance needs a non-zero vector`);
    // Already-unit rows are copied unchanged so re-adding stored entries (restore, load) is
    // bit-exact: normalising a float32 unit vector again may move its last bits.
    const scale = Math.abs(norm - 1) <= UNIT_TOLERANCE ? 1 : 1 / Math.sqrt(norm);
    for (let j = r * d; j < (r + 1) * d; j++) out[j] = values[j]! * scale;
  }
  return out;
}

function toKeys(ids: ArrayLike<number>): BigUint64Array {
  return BigUint64Array.from(Array.from(ids), (id) => BigInt(id));
}

function emptyHits(): NeighbourHits {
  return { ids: new Int32Array(0), distances: new Float32Array(0), labels: new Int32Array(0) };
}

/**
 * A factory of empty {@link VectorIndex}es with shared settings, for injection into strategies
 * (`StrategyContext.indexFactory`), which know the width only once the benchmark is built.
 */
export function vectorIndexFactory(options: Omit<VectorIndexOptions, 'dimensions'> = {}): NearestNeighbourIndexFactory {
  return (dimensions: number) => new VectorIndex({ ...options, dimensions });
}
