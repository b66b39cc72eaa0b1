/**
 * The episodic memory of retrieval strategies (kNN, kNN-LM interpolation, MbPA++): every sample
 * seen (or a reservoir of them when a capacity is set) in a nearest-neighbour index, with its label,
 * and the class distribution of a query's K nearest neighbours. Kept apart from the strategies
 * that use it, as ReservoirMemory is.
 */
import { InvalidArgumentError } from '@mneme/errors';
import type { NearestNeighbourIndex, NearestNeighbourIndexFactory } from '@mneme/execution';
import { Rng } from '@mneme/random';
import { gatherRows } from '@mneme/tensor';
import { checkFeatures } from '../core/classifier.js';
import { ExactIndex } from './exact-index.js';
import { HeldSetChange, type HeldRows, type MemoryListener } from '../replay/memory-listener.js';

/** Options of {@link KnnMemory}. */
export interface KnnMemoryOptions {
  /** Feature width. */
  readonly inputSize: number;
  /** Most samples held; beyond it, reservoir sampling (Vitter's algorithm R) decides. @default Infinity */
  readonly capacity?: number;
  /** Seed of the reservoir's random stream. */
  readonly seed: number;
  /** Makes the index. @default the pure exact index */
  readonly indexFactory?: NearestNeighbourIndexFactory;
  /** Told every change of the held set (the deployed memory port's replica). */
  readonly listener?: MemoryListener;
}

/** A labelled batch the memory stores (validated by the caller). */
export interface KnnMemoryBatch {
  readonly features: Float32Array;
  readonly labels: Int32Array;
  readonly ids: Int32Array;
}

/** The whole state of a memory, JSON-safe; restoring it is bit-exact. */
export interface KnnMemorySnapshot {
  readonly capacity: number | null;
  /** Offers of samples not held at the time (the reservoir's n; a sample rejected once may be offered again in a later epoch). */
  readonly seen: number;
  /** Held ids in reservoir-slot order, with their labels, norms and unit vectors (row-major). */
  readonly ids: readonly number[];
  readonly labels: readonly number[];
  readonly norms: readonly number[];
  readonly vectors: readonly number[];
  /** Ids forgotten on request, kept out of the memory for good. */
  readonly forgotten: readonly number[];
  readonly rng: readonly number[];
}

/** How neighbours' votes are weighted. */
export interface VoteOptions {
  /** Neighbours consulted per query. */
  readonly k: number;
  /**
   * Softmax temperature over cosine similarities: neighbour i votes with weight exp(cos_i / T), as
   * kNN-LM's exp(−d_i) with d = 1 − cos scaled by 1/T. Small T approaches 1-NN, large T a plain
   * majority vote.
   */
  readonly temperature: number;
  /** Classes voted for: the width of each row (labels lie below it). */
  readonly classes: number;
}

/** Rows of neighbours, as {@link KnnMemory.neighbours} returns them. */
export interface NeighbourRows {
  /** `rows × k` unit vectors scaled back to their stored norms (the original features, to rounding). */
  readonly features: Float32Array;
  readonly labels: Int32Array;
  /** How many neighbours each query got (≤ k). */
  readonly counts: Int32Array;
}

/**
 * Samples by id in a nearest-neighbour index. A sample id is stored once (a stream that repeats a
 * sample, as multi-epoch runs do, does not duplicate it); forgotten ids never come back.
 */
export class KnnMemory {
  readonly capacity: number;
  private index: NearestNeighbourIndex;
  private readonly factory: NearestNeighbourIndexFactory;
  // Reservoir slots: slot s holds id held[s]; position maps id → slot.
  private held: number[] = [];
  private readonly position = new Map<number, number>();
  private readonly norms = new Map<number, number>();
  private forgotten = new Set<number>();
  private seen = 0;
  private rng: Rng;

  /** @throws InvalidArgumentError for a bad capacity */
  constructor(private readonly options: KnnMemoryOptions) {
    const capacity = options.capacity ?? Number.POSITIVE_INFINITY;
    if (capacity !== Number.POSITIVE_INFINITY && (!Number.isInteger(capacity) || capacity < 1)) {
      throw new InvalidArgumentError(`knn memory: capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.factory = options.indexFactory ?? ((d: number) => new ExactIndex(d));
    this.index = this.factory(options.inputSize);
    this.rng = Rng.seeded(options.seed);
  }

  /** Samples held now. */
  get size(): number {
    return this.held.length;
  }

  /** Whether the id was forgotten on request. */
  isForgotten(id: number): boolean {
    return this.forgotten.has(id);
  }

  /**
   * Offers the batch's samples in order; ids already held or forgotten are skipped. The caller
   * validates labels and widths; all-zero rows (no cosine direction) are rejected here, before
   * anything changes.
   *
   * @throws InvalidArgumentError for an all-zero feature row
   */
  add(batch: KnnMemoryBatch): void {
    const d = this.options.inputSize;
    const n = batch.labels.length;
    const norms = this.rowNorms(batch.features);
    const batchIds = new Set<number>();
    const change = this.options.listener === undefined ? undefined : new HeldSetChange();
    for (let i = 0; i < n; i++) {
      const id = batch.ids[i]!;
      if (this.position.has(id) || this.forgotten.has(id) || batchIds.has(id)) continue;
      batchIds.add(id);
      this.seen++;
      let slot = this.held.length;
      if (slot >= this.capacity) {
        const j = this.rng.int(this.seen);
        if (j >= this.capacity) continue;
        slot = j;
        change?.left(this.held[slot]!);
        this.remove(this.held[slot]!);
      }
      this.index.add([id], batch.features.subarray(i * d, (i + 1) * d), [batch.labels[i]!]);
      this.norms.set(id, Math.fround(norms[i]!));
      this.insertAt(slot, id);
      change?.entered(id);
    }
    if (change !== undefined) this.report(change, batch);
  }

  /** Hands an add's net change to the listener (stored rows as the batch gave them). */
  private report(change: HeldSetChange, batch: KnnMemoryBatch): void {
    const listener = this.options.listener!;
    const removed = change.removed();
    if (removed.length > 0) listener.removed(removed);
    const stored = change.stored();
    if (stored.size === 0) return;
    const d = this.options.inputSize;
    const rows = [...batch.ids.keys()].filter((i) => stored.delete(batch.ids[i]!));
    const features = gatherRows(batch.features, d, rows);
    listener.stored({
      features,
      labels: Int32Array.from(rows, (r) => batch.labels[r]!),
      ids: Int32Array.from(rows, (r) => batch.ids[r]!),
      experiences: new Int32Array(rows.length),
    });
  }

  /** Every held sample in slot order, features restored to their stored norms. */
  heldRows(): HeldRows {
    const entries = this.index.get(this.held);
    const d = this.options.inputSize;
    const features = new Float32Array(this.held.length * d);
    this.held.forEach((id, i) => {
      const norm = this.norms.get(id)!;
      for (let j = 0; j < d; j++) features[i * d + j] = entries.vectors[i * d + j]! * norm;
    });
    return {
      features,
      labels: Int32Array.from(entries.labels),
      ids: Int32Array.from(this.held),
      experiences: new Int32Array(this.held.length),
    };
  }

  /**
   * The Euclidean norm of each row of `features` (a valid width is assumed).
   *
   * @throws InvalidArgumentError for an all-zero row, which has no cosine direction to store
   */
  rowNorms(features: Float32Array): Float64Array {
    const d = this.options.inputSize;
    const norms = new Float64Array(features.length / d);
    for (let i = 0; i < norms.length; i++) {
      let sq = 0;
      for (let j = i * d; j < (i + 1) * d; j++) sq += features[j]! * features[j]!;
      if (sq === 0)
        throw new InvalidArgumentError(`feature row ${i} is all zeros; a kNN memory compares directions (cosine) and cannot store it`);
      norms[i] = Math.sqrt(sq);
    }
    return norms;
  }

  /** Forgets these ids: removes those held and keeps all of them out for good; returns how many were held. */
  forget(ids: Iterable<number>): number {
    const removed: number[] = [];
    for (const id of ids) {
      this.forgotten.add(id);
      if (this.position.has(id)) {
        this.removeAndCompact(id);
        removed.push(id);
      }
    }
    if (removed.length > 0) this.options.listener?.removed(removed);
    return removed.length;
  }

  /**
   * Class distribution of each query's K nearest neighbours (`rows × classes`, rows sum to 1; an
   * all-zero row when the memory is empty).
   *
   * @throws InvalidArgumentError for a wrong width or non-finite values
   */
  vote(features: Float32Array, options: VoteOptions): Float32Array {
    const classes = options.classes;
    const rows = checkFeatures(features, this.options.inputSize);
    const out = new Float32Array(rows * classes);
    if (this.size === 0 || rows === 0) return out;
    const hits = this.index.searchBatch(nonZeroRows(features, this.options.inputSize), options.k);
    hits.forEach((h, r) => {
      if (h.ids.length === 0) return;
      // Subtract the best similarity before exponentiating: same weights, no overflow at small T.
      const best = 1 - h.distances[0]!;
      let total = 0;
      const weights = Array.from(h.distances, (dist) => Math.exp((1 - dist - best) / options.temperature));
      weights.forEach((w) => (total += w));
      // A held label at or above `classes` (none, when the caller grows first) has no column to vote in.
      weights.forEach((w, i) => {
        if (h.labels[i]! < classes) out[r * classes + h.labels[i]!]! += w / total;
      });
    });
    return out;
  }

  /**
   * The K nearest stored samples of each query (MbPA++'s local context), features restored to their
   * stored norms.
   */
  neighbours(features: Float32Array, k: number): NeighbourRows {
    const d = this.options.inputSize;
    const rows = checkFeatures(features, d);
    const hits = this.size === 0 ? [] : this.index.searchBatch(nonZeroRows(features, d), k);
    const counts = Int32Array.from({ length: rows }, (_, r) => hits[r]?.ids.length ?? 0);
    const total = counts.reduce((a, b) => a + b, 0);
    const out = new Float32Array(total * d);
    const labels = new Int32Array(total);
    let row = 0;
    for (const h of hits) {
      const entries = this.index.get(h.ids);
      for (let i = 0; i < h.ids.length; i++, row++) {
        const norm = this.norms.get(h.ids[i]!)!;
        for (let j = 0; j < d; j++) out[row * d + j] = entries.vectors[i * d + j]! * norm;
        labels[row] = entries.labels[i]!;
      }
    }
    return { features: out, labels, counts };
  }

  /** `n` distinct held samples drawn uniformly (features restored to their norms), for replay. */
  sample(n: number): KnnMemoryBatch {
    const k = Math.min(n, this.size);
    const picked = k === 0 ? [] : this.rng.sample(this.size, k).map((s) => this.held[s]!);
    const entries = this.index.get(picked);
    const d = this.options.inputSize;
    const features = new Float32Array(k * d);
    picked.forEach((id, i) => {
      const norm = this.norms.get(id)!;
      for (let j = 0; j < d; j++) features[i * d + j] = entries.vectors[i * d + j]! * norm;
    });
    return { features, labels: entries.labels, ids: Int32Array.from(picked) };
  }

  /** A deep, JSON-safe copy of the whole state. */
  snapshot(): KnnMemorySnapshot {
    const entries = this.index.get(this.held);
    return {
      capacity: Number.isFinite(this.capacity) ? this.capacity : null,
      seen: this.seen,
      ids: [...this.held],
      labels: Array.from(entries.labels),
      norms: this.held.map((id) => this.norms.get(id)!),
      vectors: Array.from(entries.vectors),
      forgotten: [...this.forgotten],
      rng: this.rng.state(),
    };
  }

  /**
   * Replaces the state with `snapshot`, rebuilding the index (entries re-added in slot order). The
   * snapshot is checked first; a bad one changes nothing.
   *
   * @throws InvalidArgumentError when the snapshot does not fit this memory
   */
  restore(snapshot: KnnMemorySnapshot): void {
    const n = snapshot.ids.length;
    const d = this.options.inputSize;
    const problems: string[] = [];
    if ((snapshot.capacity ?? Number.POSITIVE_INFINITY) !== this.capacity)
      problems.push(`snapshot capacity ${snapshot.capacity} ≠ memory capacity ${this.capacity}`);
    if (n > this.capacity) problems.push(`snapshot holds ${n} samples, more than the capacity ${this.capacity}`);
    if (snapshot.labels.length !== n || snapshot.norms.length !== n || snapshot.vectors.length !== n * d) {
      problems.push(
        `snapshot arrays disagree: ${n} ids, ${snapshot.labels.length} labels, ${snapshot.norms.length} norms, ${snapshot.vectors.length} vector values (width ${d})`,
      );
    }
    const badLabel = snapshot.labels.find((l) => !Number.isInteger(l) || l < 0);
    if (badLabel !== undefined) problems.push(`snapshot label ${badLabel} is not a class index (a non-negative integer)`);
    if (problems.length > 0) throw new InvalidArgumentError(problems.map((p) => `knn memory: ${p}`));
    const index = this.factory(d);
    if (n > 0) index.add(snapshot.ids, Float32Array.from(snapshot.vectors), snapshot.labels);
    this.index = index;
    this.held = [...snapshot.ids];
    this.position.clear();
    this.held.forEach((id, s) => this.position.set(id, s));
    this.norms.clear();
    snapshot.ids.forEach((id, i) => this.norms.set(id, snapshot.norms[i]!));
    this.forgotten = new Set(snapshot.forgotten);
    this.seen = snapshot.seen;
    this.rng = Rng.fromState(snapshot.rng);
    this.options.listener?.replaced(this.heldRows());
  }

  /** Removes a held id from the index, leaving its reservoir slot to be refilled in place. */
  private remove(id: number): void {
    this.index.delete([id]);
    this.norms.delete(id);
    this.position.delete(id);
  }

  /** Removes a held id and closes the gap (the last slot moves into it). */
  private removeAndCompact(id: number): void {
    const slot = this.position.get(id)!;
    this.remove(id);
    const last = this.held.pop()!;
    if (last !== id) {
      this.held[slot] = last;
      this.position.set(last, slot);
    }
  }

  private insertAt(slot: number, id: number): void {
    if (slot === this.held.length) this.held.push(id);
    else this.held[slot] = id;
    this.position.set(id, slot);
  }
}

/** The rows as given; an all-zero query row gets a tiny constant direction so it still has neighbours. */
function nonZeroRows(features: Float32Array, d: number): Float32Array {
  let copy: Float32Array | undefined;
  for (let r = 0; r * d < features.length; r++) {
    let zero = true;
    for (let j = r * d; j < (r + 1) * d && zero; j++) zero = features[j] === 0;
    if (zero) {
      copy ??= features.slice();
      copy.fill(1, r * d, (r + 1) * d);
    }
  }
  return copy ?? features;
}
