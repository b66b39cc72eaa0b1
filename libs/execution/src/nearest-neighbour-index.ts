/**
 * JSON-safe metadata kept with an index entry (its source, a timestamp, a text id, ...). It is
 * returned by {@link NearestNeighbourIndex.entries} and persisted with the index, never searched.
 */
export type IndexMetadata = Readonly<Record<string, string | number | boolean | null>>;

/** The nearest neighbours of one query, nearest first. */
export interface NeighbourHits {
  /** Entry ids (fewer than `k` when the index holds fewer entries). */
  readonly ids: Int32Array;
  /** Cosine distance `1 − cos(query, entry)`, in [0, 2], non-decreasing. */
  readonly distances: Float32Array;
  /** The label stored with each entry. */
  readonly labels: Int32Array;
}

/** Entries of an index (copies), in the index's storage order. */
export interface IndexEntries {
  readonly ids: Int32Array;
  /** `ids.length × dimensions`, row-major, as stored (unit-normalised). */
  readonly vectors: Float32Array;
  readonly labels: Int32Array;
  /** Metadata per entry, `null` where none was given. */
  readonly metadata: readonly (IndexMetadata | null)[];
}

/**
 * A labelled nearest-neighbour index over unit-normalised embeddings, searched by cosine distance:
 * the retrieval memory of kNN strategies (kNN-LM, MbPA++). Declared here, in pure code, so that
 * strategies stay free of native libraries; libs/vector-index implements it on an HNSW library
 * (with exact search for small sets), and libs/methods has a pure exact implementation.
 *
 * Ids are non-negative 32-bit integers (the sample ids of a stream) and unique within an index.
 * Every mutating call validates its whole input first and changes nothing when it throws.
 */
export interface NearestNeighbourIndex {
  /** Width of every stored and queried vector. */
  readonly dimensions: number;
  /** Entries held now. */
  readonly size: number;
  /** Most entries the index may hold (`Infinity` when unbounded). */
  readonly capacity: number;
  /**
   * Stores one entry per id: `vectors` is `ids.length × dimensions`, row-major; vectors are
   * unit-normalised on the way in (a zero vector is rejected).
   *
   * @throws InvalidArgumentError for non-finite or zero vectors, a wrong width, bad or duplicate
   *   ids (also ids already held), mismatched lengths, or more entries than the capacity allows
   */
  add(
    ids: ArrayLike<number>,
    vectors: Float32Array,
    labels: ArrayLike<number>,
    metadata?: readonly (IndexMetadata | null | undefined)[],
  ): void;
  /** Removes the entries with these ids (unknown ids are ignored); returns how many were removed. */
  delete(ids: Iterable<number>): number;
  /** Whether an entry with this id is held. */
  has(id: number): boolean;
  /**
   * The `k` entries nearest to `query` (one vector of `dimensions` values).
   *
   * @throws InvalidArgumentError for a wrong width, non-finite values or a `k` below 1
   */
  search(query: Float32Array, k: number): NeighbourHits;
  /** {@link search} for each row of `queries` (`rows × dimensions`). */
  searchBatch(queries: Float32Array, k: number): NeighbourHits[];
  /**
   * Copies of the entries with these ids, in the order given.
   *
   * @throws NotFoundError naming ids that are not held
   */
  get(ids: ArrayLike<number>): IndexEntries;
  /** Copies of every entry, in storage order (for snapshots and rebuilds). */
  entries(): IndexEntries;
}

/** Makes an empty index of a given width (injected into strategies, see StrategyContext). */
export type NearestNeighbourIndexFactory = (dimensions: number) => NearestNeighbourIndex;
