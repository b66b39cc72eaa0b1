/**
 * A bounded replay memory filled by reservoir sampling (Vitter 1985, "Random Sampling with a
 * Reservoir", algorithm R): after n samples of a stream, every sample is held with probability
 * capacity / n. The class-balanced variant gives every class seen an equal share of the capacity
 * and runs a reservoir within each class (as avalanche's ClassBalancedBuffer with adaptive size).
 * Kept apart from the strategies that use it (avalanche's storage policies, mammoth's buffer).
 */
import { InvalidArgumentError } from '@mneme/errors';
import { Rng } from '@mneme/random';
import { gatherRows } from '@mneme/tensor';
import { HeldSetChange, type MemoryListener } from './memory-listener.js';

/** Options of {@link ReservoirMemory}. */
export interface ReservoirMemoryOptions {
  /** Most samples held. */
  readonly capacity: number;
  /** Feature values per sample (row width). */
  readonly inputSize: number;
  /** Seed of the memory's own random stream (insertion and sampling). */
  readonly seed: number;
  /** Equal share of the capacity per class seen, reservoir within each class. @default false */
  readonly balanced?: boolean;
  /** When given, labels must lie in [0, classes). @default any non-negative integer */
  readonly classes?: number;
  /** Told every change of the held set (the deployed memory port's replica). */
  readonly listener?: MemoryListener;
}

/** Rows allocated before the first growth: memories fill gradually, so capacity is not paid up front. */
const INITIAL_ROWS = 64;

/** Samples to store: `features` is `count × inputSize`, row-major. */
export interface MemoryBatch {
  readonly features: Float32Array;
  readonly labels: Int32Array;
  readonly ids: Int32Array;
  /** Index of the experience the samples came from. */
  readonly experience: number;
}

/** Samples drawn from a memory (copies, not views). */
export interface MemorySample {
  readonly features: Float32Array;
  readonly labels: Int32Array;
  readonly ids: Int32Array;
  readonly experiences: Int32Array;
}

/** Which samples {@link ReservoirMemory.sample} may draw. */
export interface SampleFilter {
  /** Leave out samples with these labels (MIR: the incoming batch's classes). */
  readonly excludeLabels?: Iterable<number>;
  /** Leave out samples from these experiences (the reference MIR code: the current task). */
  readonly excludeExperiences?: Iterable<number>;
}

/** The whole state of a memory, JSON-safe; restoring it is bit-exact (float32 → number is lossless). */
export interface MemorySnapshot {
  readonly capacity: number;
  readonly inputSize: number;
  readonly balanced: boolean;
  readonly classes: number | null;
  /** Samples offered so far (the reservoir's n). */
  readonly seen: number;
  /** [label, samples of that label offered so far], in order of first appearance. */
  readonly seenPerClass: readonly (readonly [number, number])[];
  readonly features: readonly number[];
  readonly labels: readonly number[];
  readonly ids: readonly number[];
  readonly experiences: readonly number[];
  readonly rng: readonly number[];
}

/**
 * A fixed-capacity memory of labelled feature rows. `add` validates the whole batch before it
 * changes anything, so a bad batch never corrupts the memory. Rows are kept contiguous in slots
 * `0 … size − 1`.
 */
export class ReservoirMemory {
  readonly capacity: number;
  readonly inputSize: number;
  readonly balanced: boolean;
  readonly classes: number | undefined;
  private features: Float32Array;
  private labels: Int32Array;
  private ids: Int32Array;
  private experiences: Int32Array;
  private count = 0;
  private seen = 0;
  // Insertion order matters: the class-balanced shares hand remainders to the earliest classes.
  private seenPerClass = new Map<number, number>();
  private rng: Rng;
  private readonly listener: MemoryListener | undefined;
  // The held-set change of the operation in progress (only while a listener is attached).
  private change: HeldSetChange | undefined;

  /** @throws InvalidArgumentError listing every bad option */
  constructor(options: ReservoirMemoryOptions) {
    const problems: string[] = [];
    if (!Number.isInteger(options.capacity) || options.capacity < 1)
      problems.push(`memory capacity must be a positive integer, got ${options.capacity}`);
    if (!Number.isInteger(options.inputSize) || options.inputSize < 1)
      problems.push(`memory inputSize must be a positive integer, got ${options.inputSize}`);
    if (!Number.isInteger(options.seed)) problems.push(`memory seed must be an integer, got ${options.seed}`);
    if (options.classes !== undefined && (!Number.isInteger(options.classes) || options.classes < 1)) {
      problems.push(`memory classes must be a positive integer, got ${options.classes}`);
    }
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    this.capacity = options.capacity;
    this.inputSize = options.inputSize;
    this.balanced = options.balanced ?? false;
    this.classes = options.classes;
    this.listener = options.listener;
    const rows = Math.min(this.capacity, INITIAL_ROWS);
    this.features = new Float32Array(rows * this.inputSize);
    this.labels = new Int32Array(rows);
    this.ids = new Int32Array(rows);
    this.experiences = new Int32Array(rows);
    this.rng = Rng.seeded(options.seed);
  }

  /** Samples held now (≤ capacity). */
  get size(): number {
    return this.count;
  }

  /** Samples offered to the memory so far. */
  get samplesSeen(): number {
    return this.seen;
  }

  /** Samples held per label. */
  labelCounts(): Map<number, number> {
    const counts = new Map<number, number>();
    for (let s = 0; s < this.count; s++) counts.set(this.labels[s]!, (counts.get(this.labels[s]!) ?? 0) + 1);
    return counts;
  }

  /**
   * Offers every sample of `batch` to the reservoir, in order. The batch is validated first; on
   * any problem nothing is stored and the random stream does not advance.
   *
   * @throws InvalidArgumentError listing what is wrong with the batch
   */
  add(batch: MemoryBatch): void {
    const n = this.validate(batch);
    const d = this.inputSize;
    this.change = this.listener === undefined ? undefined : new HeldSetChange();
    for (let i = 0; i < n; i++) {
      const label = batch.labels[i]!;
      const slot = this.balanced ? this.balancedSlot(label) : this.reservoirSlot();
      if (slot < 0) continue;
      this.features.set(batch.features.subarray(i * d, (i + 1) * d), slot * d);
      this.labels[slot] = label;
      this.ids[slot] = batch.ids[i]!;
      this.experiences[slot] = batch.experience;
      this.change?.entered(batch.ids[i]!);
    }
    this.report();
  }

  /** Samples `filter` admits. */
  eligible(filter: SampleFilter = {}): number {
    return this.eligibleSlots(filter).length;
  }

  /**
   * Up to `n` distinct samples drawn uniformly (without replacement, in random order) from those
   * `filter` admits; fewer when fewer are eligible.
   *
   * @throws InvalidArgumentError when `n` is not a non-negative integer
   */
  sample(n: number, filter: SampleFilter = {}): MemorySample {
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`sample size must be a non-negative integer, got ${n}`);
    const slots = this.eligibleSlots(filter);
    const k = Math.min(n, slots.length);
    const picked = k === 0 ? [] : this.rng.sample(slots.length, k).map((i) => slots[i]!);
    return this.gather(picked);
  }

  /** Ids of the samples held, in slot order (a copy; no features are gathered). */
  heldIds(): Int32Array {
    return this.ids.slice(0, this.count);
  }

  /** Every sample held, in slot order (copies). */
  all(): MemorySample {
    return this.gather([...Array(this.count).keys()]);
  }

  /**
   * Removes every held sample whose id is in `ids` (e.g. a data-deletion request); returns how many
   * were removed. The freed slots are refilled by later samples.
   */
  delete(ids: Iterable<number>): number {
    const doomed = new Set(ids);
    let removed = 0;
    this.change = this.listener === undefined ? undefined : new HeldSetChange();
    for (let s = this.count - 1; s >= 0; s--) {
      if (!doomed.has(this.ids[s]!)) continue;
      this.change?.left(this.ids[s]!);
      this.moveSlot(this.count - 1, s);
      this.count--;
      removed++;
    }
    this.report();
    return removed;
  }

  /** A deep, JSON-safe copy of the whole state (including the random stream). */
  snapshot(): MemorySnapshot {
    const used = this.count;
    return {
      capacity: this.capacity,
      inputSize: this.inputSize,
      balanced: this.balanced,
      classes: this.classes ?? null,
      seen: this.seen,
      seenPerClass: [...this.seenPerClass],
      features: Array.from(this.features.subarray(0, used * this.inputSize)),
      labels: Array.from(this.labels.subarray(0, used)),
      ids: Array.from(this.ids.subarray(0, used)),
      experiences: Array.from(this.experiences.subarray(0, used)),
      rng: this.rng.state(),
    };
  }

  /**
   * Replaces the state with `snapshot` (bit-exact). The snapshot must come from a memory of the
   * same capacity, row width, balancing and classes; it is checked before anything changes.
   *
   * @throws InvalidArgumentError when the snapshot does not fit this memory or is inconsistent
   */
  restore(snapshot: MemorySnapshot): void {
    const problems: string[] = [];
    if (snapshot.capacity !== this.capacity) problems.push(`snapshot capacity ${snapshot.capacity} ≠ memory capacity ${this.capacity}`);
    if (snapshot.inputSize !== this.inputSize)
      problems.push(`snapshot inputSize ${snapshot.inputSize} ≠ memory inputSize ${this.inputSize}`);
    if (snapshot.balanced !== this.balanced) problems.push(`snapshot balanced=${snapshot.balanced} ≠ memory balanced=${this.balanced}`);
    if ((snapshot.classes ?? undefined) !== this.classes)
      problems.push(`snapshot classes ${snapshot.classes} ≠ memory classes ${this.classes}`);
    const used = snapshot.labels.length;
    if (used > this.capacity) problems.push(`snapshot holds ${used} samples, more than the capacity ${this.capacity}`);
    if (snapshot.ids.length !== used || snapshot.experiences.length !== used || snapshot.features.length !== used * this.inputSize) {
      problems.push(
        `snapshot arrays disagree: ${used} labels, ${snapshot.ids.length} ids, ${snapshot.experiences.length} experiences, ${snapshot.features.length} feature values`,
      );
    }
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const rows = Math.max(used, Math.min(this.capacity, INITIAL_ROWS));
    this.features = new Float32Array(rows * this.inputSize);
    this.features.set(snapshot.features);
    this.labels = new Int32Array(rows);
    this.labels.set(snapshot.labels);
    this.ids = new Int32Array(rows);
    this.ids.set(snapshot.ids);
    this.experiences = new Int32Array(rows);
    this.experiences.set(snapshot.experiences);
    this.count = used;
    this.seen = snapshot.seen;
    this.seenPerClass = new Map(snapshot.seenPerClass.map(([label, n]) => [label, n]));
    this.rng = Rng.fromState(snapshot.rng);
    this.listener?.replaced(this.all());
  }

  /** Algorithm R: the slot sample number `seen` goes to, or −1 when it is not kept. */
  private reservoirSlot(): number {
    this.seen++;
    if (this.count < this.capacity) return this.grow();
    const j = this.rng.int(this.seen);
    if (j >= this.capacity) return -1;
    this.change?.left(this.ids[j]!);
    return j;
  }

  /** A new slot at the end, growing the arrays (doubling, up to the capacity) when they are full. */
  private grow(): number {
    const rows = this.labels.length;
    if (this.count === rows) {
      const grown = Math.min(this.capacity, Math.max(rows * 2, 1));
      const features = new Float32Array(grown * this.inputSize);
      features.set(this.features);
      this.features = features;
      const widen = (a: Int32Array) => {
        const b = new Int32Array(grown);
        b.set(a);
        return b;
      };
      this.labels = widen(this.labels);
      this.ids = widen(this.ids);
      this.experiences = widen(this.experiences);
    }
    return this.count++;
  }

  /** Hands the operation's net change to the listener. */
  private report(): void {
    const change = this.change;
    this.change = undefined;
    if (change === undefined || this.listener === undefined) return;
    const removed = change.removed();
    if (removed.length > 0) this.listener.removed(removed);
    const stored = change.stored();
    if (stored.size === 0) return;
    const slots: number[] = [];
    for (let s = 0; s < this.count; s++) if (stored.has(this.ids[s]!)) slots.push(s);
    this.listener.stored(this.gather(slots));
  }

  /**
   * Class-balanced reservoir: a new class shrinks every share to ⌊capacity / classes⌋ (earliest
   * classes take the remainder), evicting random samples of classes over their new share; within a
   * class, algorithm R over that class's samples.
   */
  private balancedSlot(label: number): number {
    this.seen++;
    const isNew = !this.seenPerClass.has(label);
    const classSeen = (this.seenPerClass.get(label) ?? 0) + 1;
    this.seenPerClass.set(label, classSeen);
    if (isNew) this.shrinkToShares();
    const share = this.shareOf(label);
    const slots = this.slotsOf(label);
    if (slots.length < share) {
      // Free space exists: shrinking guarantees the total of shares never exceeds the capacity.
      return this.grow();
    }
    const j = this.rng.int(classSeen);
    if (j >= slots.length) return -1;
    this.change?.left(this.ids[slots[j]!]!);
    return slots[j]!;
  }

  private shareOf(label: number): number {
    const classes = [...this.seenPerClass.keys()];
    const base = Math.floor(this.capacity / classes.length);
    const extra = this.capacity - base * classes.length;
    return base + (classes.indexOf(label) < extra ? 1 : 0);
  }

  private shrinkToShares(): void {
    for (const label of this.seenPerClass.keys()) {
      const slots = this.slotsOf(label);
      const excess = slots.length - this.shareOf(label);
      if (excess <= 0) continue;
      // Remove from the highest slot down so the remaining slot numbers stay valid.
      const doomed = this.rng
        .sample(slots.length, excess)
        .map((i) => slots[i]!)
        .sort((a, b) => b - a);
      for (const s of doomed) {
        this.change?.left(this.ids[s]!);
        this.moveSlot(this.count - 1, s);
        this.count--;
      }
    }
  }

  private slotsOf(label: number): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.count; s++) if (this.labels[s] === label) out.push(s);
    return out;
  }

  private eligibleSlots(filter: SampleFilter): number[] {
    const labels = new Set(filter.excludeLabels ?? []);
    const experiences = new Set(filter.excludeExperiences ?? []);
    const out: number[] = [];
    for (let s = 0; s < this.count; s++) {
      if (!labels.has(this.labels[s]!) && !experiences.has(this.experiences[s]!)) out.push(s);
    }
    return out;
  }

  private moveSlot(from: number, to: number): void {
    if (from === to) return;
    const d = this.inputSize;
    this.features.copyWithin(to * d, from * d, (from + 1) * d);
    this.labels[to] = this.labels[from]!;
    this.ids[to] = this.ids[from]!;
    this.experiences[to] = this.experiences[from]!;
  }

  private gather(slots: readonly number[]): MemorySample {
    const d = this.inputSize;
    const features = gatherRows(this.features, d, slots);
    return {
      features,
      labels: Int32Array.from(slots, (s) => this.labels[s]!),
      ids: Int32Array.from(slots, (s) => this.ids[s]!),
      experiences: Int32Array.from(slots, (s) => this.experiences[s]!),
    };
  }

  /** Rows of a valid batch; every problem is collected, then thrown once. */
  private validate(batch: MemoryBatch): number {
    const problems: string[] = [];
    const d = this.inputSize;
    const n = batch.labels.length;
    if (batch.features.length !== n * d) {
      problems.push(`features hold ${batch.features.length} values but ${n} labels × input size ${d} = ${n * d} are needed`);
    }
    if (batch.ids.length !== n) problems.push(`${batch.ids.length} ids for ${n} labels`);
    if (!Number.isInteger(batch.experience) || batch.experience < 0)
      problems.push(`experience must be a non-negative integer, got ${batch.experience}`);
    const nonFinite = batch.features.findIndex((v) => !Number.isFinite(v));
    if (nonFinite >= 0)
      problems.push(
        `feature ${nonFinite % d} of row ${Math.floor(nonFinite / d)} is ${batch.features[nonFinite]}; features must be finite`,
      );
    const limit = this.classes ?? Number.POSITIVE_INFINITY;
    const badLabel = batch.labels.findIndex((l) => l < 0 || l >= limit);
    if (badLabel >= 0) {
      problems.push(
        `label ${batch.labels[badLabel]} of sample ${badLabel} is outside ${this.classes === undefined ? 'the non-negative integers' : `the ${this.classes} classes`}`,
      );
    }
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    return n;
  }
}
