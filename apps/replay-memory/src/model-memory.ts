import { MemorySample as WireMemorySample } from '@mneme/contracts';
import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import { ReservoirMemory, type MemorySnapshot } from '@mneme/methods';
import { Rng } from '@mneme/random';
import { memoryRow, sampleProblems } from '@mneme/service-runtime';
import { gatherRows } from '@mneme/tensor';

/** Which samples a full memory keeps. */
/** `replica`: the writer (a trainer's strategy) chooses; every sample sent is held, nothing is evicted. */
export type MemoryPolicyName = 'reservoir' | 'class-balanced' | 'replica';

/** How a model's memory was created. */
export interface MemoryConfig {
  readonly capacity: number;
  readonly policy: MemoryPolicyName;
  /** 32-bit seed of the reservoir's random choices. */
  readonly seed: number;
}

/** Occupancy of a memory, in domain terms. */
export interface MemoryOccupancy {
  readonly size: number;
  readonly capacity: number;
  readonly policy: MemoryPolicyName;
  readonly seen: number;
  readonly labelCounts: Readonly<Record<string, number>>;
}

/** Samples drawn from a memory: the stored messages, their feature rows and label names. */
export interface DrawnSamples {
  readonly samples: readonly WireMemorySample[];
  /** `samples.length × inputSize`, row-major. */
  readonly rows: Float32Array;
  readonly labels: readonly string[];
}

/** The JSON-safe state of a {@link ModelMemory}, as persisted. */
export interface ModelMemorySnapshot {
  readonly format: 1;
  readonly modelId: string;
  readonly config: MemoryConfig;
  /** Label names; a name's position is its class index in the reservoir. */
  readonly labels: readonly string[];
  readonly nextId: number;
  /** Null until the first sample fixes the row width. */
  readonly reservoir: MemorySnapshot | null;
  /** [reservoir id, base64 of the encoded MemorySample]. */
  readonly records: readonly (readonly [number, string])[];
  /** The newest writer epoch that created the memory (0: unfenced). */
  readonly writerEpoch?: number;
}

/**
 * One model's replay memory: a {@link ReservoirMemory} (the policy: which samples are kept) over
 * feature rows, plus the wire messages of the held samples so they come back exactly as sent.
 * Label names map to reservoir classes in order of first appearance; sample ids to reservoir ids
 * by a counter. Every mutation validates the whole request before it changes anything.
 */
export class ModelMemory {
  private reservoir: ReservoirMemory | undefined;
  private readonly labels: string[];
  private nextId: number;
  private readonly records = new Map<number, WireMemorySample>();
  private readonly idsBySample = new Map<string, number>();

  private constructor(
    readonly modelId: string,
    readonly config: MemoryConfig,
    snapshot?: ModelMemorySnapshot,
    /** Writes from an older epoch are refused (see {@link checkWriter}). */
    readonly writerEpoch = snapshot?.writerEpoch ?? 0,
  ) {
    this.labels = [...(snapshot?.labels ?? [])];
    this.nextId = snapshot?.nextId ?? 1;
    if (snapshot?.reservoir) {
      this.reservoir = this.newReservoir(snapshot.reservoir.inputSize);
      this.reservoir.restore(snapshot.reservoir);
    }
    for (const [id, base64] of snapshot?.records ?? []) this.hold(id, WireMemorySample.decode(Buffer.from(base64, 'base64')));
  }

  /** An empty memory, created by a writer of `writerEpoch` (0: unfenced). */
  static create(modelId: string, config: MemoryConfig, writerEpoch = 0): ModelMemory {
    return new ModelMemory(modelId, config, undefined, writerEpoch);
  }

  /**
   * Refuses a write from an epoch older than the memory's writer: a trainer that lost the model to
   * another replica must not overwrite the new owner's copy.
   *
   * @throws MnemeError failed-precondition naming both epochs
   */
  checkWriter(epoch: number): void {
    if (epoch < this.writerEpoch) {
      throw new MnemeError(
        'failed-precondition',
        `the memory of '${this.modelId}' is written by epoch ${this.writerEpoch}; a write from epoch ${epoch} (a replaced owner) is refused`,
      );
    }
  }

  /** A memory restored from {@link ModelMemory.snapshot}'s output (bit-exact). */
  static restore(snapshot: ModelMemorySnapshot): ModelMemory {
    if (snapshot.format !== 1)
      throw new MnemeError('internal', `replay memory of '${snapshot.modelId}' has unknown format ${String(snapshot.format)}`);
    return new ModelMemory(snapshot.modelId, snapshot.config, snapshot);
  }

  /** The same memory with a newer writer epoch. */
  withWriter(epoch: number): ModelMemory {
    return ModelMemory.restore({ ...this.snapshot(), writerEpoch: Math.max(epoch, this.writerEpoch) });
  }

  /** The label names this memory has seen (held or not), for the label limit. */
  knownLabels(): ReadonlySet<string> {
    return new Set(this.labels);
  }

  /** Width of the stored feature rows; undefined until the first sample. */
  get inputSize(): number | undefined {
    return this.reservoir?.inputSize;
  }

  get size(): number {
    return this.reservoir?.size ?? 0;
  }

  /** Size, capacity, policy, samples seen and per-label counts. */
  occupancy(): MemoryOccupancy {
    const labelCounts: Record<string, number> = {};
    for (const [label, n] of this.reservoir?.labelCounts() ?? []) labelCounts[this.labels[label]!] = n;
    return {
      size: this.size,
      capacity: this.config.capacity,
      policy: this.config.policy,
      seen: this.reservoir?.samplesSeen ?? 0,
      labelCounts,
    };
  }

  /**
   * Deletes the held samples named in `remove` (ids not held are ignored), then offers `samples`
   * to the reservoir in order. Samples whose id is held already are skipped (a retried request
   * stores nothing twice).
   *
   * @returns ids of offered samples now held, ids of held samples evicted or removed
   * @throws InvalidArgumentError listing every bad sample; nothing changes then
   */
  add(samples: readonly WireMemorySample[], remove: readonly string[] = []): { stored: string[]; evicted: string[] } {
    const removing = new Set(remove.filter((id) => this.idsBySample.has(id)));
    const offered = this.validateAdd(samples, removing);
    if (this.config.policy === 'replica' && this.size - removing.size + offered.length > this.config.capacity) {
      throw new MnemeError(
        'failed-precondition',
        `the replica memory of '${this.modelId}' holds ${this.size - removing.size} of ${this.config.capacity} samples and cannot take ${offered.length} more; its writer must delete (evict) first`,
      );
    }
    const removed = this.delete([...removing]).deleted;
    if (offered.length === 0) return { stored: [], evicted: removed };
    const width = offered[0]!.row.length;
    this.reservoir ??= this.newReservoir(width);
    const before = new Set(this.records.keys());
    // Every batch has one experience index in the reservoir; offer runs of equal experience in order.
    for (const run of runsByExperience(offered)) {
      const ids = run.map(() => this.nextId++);
      const features = new Float32Array(run.length * width);
      run.forEach((s, i) => features.set(s.row, i * width));
      const labels = Int32Array.from(run, (s) => this.labelIndex(s.message.sample!.label));
      this.reservoir.add({ features, labels, ids: Int32Array.from(ids), experience: run[0]!.message.experienceIndex });
      run.forEach((s, i) => this.records.set(ids[i]!, s.message));
    }
    // Ids only: gathering every held row per request would cost capacity × width copies.
    const held = new Set(this.reservoir.heldIds());
    const stored: string[] = [];
    const evicted: string[] = [];
    for (const id of [...this.records.keys()]) {
      if (held.has(id)) {
        if (!before.has(id)) stored.push(this.hold(id, this.records.get(id)!));
        continue;
      }
      if (before.has(id)) evicted.push(this.records.get(id)!.sample!.sampleId);
      this.forget(id);
    }
    return { stored, evicted: [...removed, ...evicted] };
  }

  /**
   * Up to `count` distinct samples drawn uniformly with a generator seeded by `seed`, among those
   * whose label `admit` accepts; the memory's own random stream is not touched, so equal seeds on
   * equal memories give equal draws.
   */
  draw(count: number, seed: number, admit: (label: string) => boolean): DrawnSamples {
    const all = this.reservoir?.all();
    if (all === undefined) return { samples: [], rows: new Float32Array(0), labels: [] };
    const d = this.reservoir!.inputSize;
    const eligible = [...all.labels.keys()].filter((i) => admit(this.labels[all.labels[i]!]!));
    const picked = Rng.seeded(seed)
      .sample(eligible.length, Math.min(count, eligible.length))
      .map((j) => eligible[j]!);
    const rows = gatherRows(all.features, d, picked);
    return {
      samples: picked.map((slot) => this.records.get(all.ids[slot]!)!),
      rows,
      labels: picked.map((slot) => this.labels[all.labels[slot]!]!),
    };
  }

  /** Removes the held samples with these ids; ids not held are reported as missing. */
  delete(sampleIds: readonly string[]): { deleted: string[]; missing: string[] } {
    const deleted = [...new Set(sampleIds)].filter((s) => this.idsBySample.has(s));
    const missing = sampleIds.filter((s) => !this.idsBySample.has(s));
    const ids = deleted.map((s) => this.idsBySample.get(s)!);
    this.reservoir?.delete(ids);
    ids.forEach((id) => this.forget(id));
    return { deleted, missing };
  }

  /** The whole state, JSON-safe. */
  snapshot(): ModelMemorySnapshot {
    return {
      format: 1,
      modelId: this.modelId,
      config: this.config,
      labels: [...this.labels],
      nextId: this.nextId,
      reservoir: this.reservoir?.snapshot() ?? null,
      records: [...this.records].map(([id, m]) => [id, Buffer.from(WireMemorySample.encode(m).finish()).toString('base64')] as const),
      writerEpoch: this.writerEpoch,
    };
  }

  private newReservoir(inputSize: number): ReservoirMemory {
    const { capacity, policy, seed } = this.config;
    return new ReservoirMemory({ capacity, inputSize, seed, balanced: policy === 'class-balanced' });
  }

  /** Valid samples to offer (not held, or held but about to be removed); every problem is thrown at once. */
  private validateAdd(
    samples: readonly WireMemorySample[],
    removing: ReadonlySet<string>,
  ): { message: WireMemorySample; row: Float32Array }[] {
    const problems: string[] = [];
    const seen = new Set<string>();
    const offered: { message: WireMemorySample; row: Float32Array }[] = [];
    let width = this.inputSize;
    samples.forEach((message, i) => {
      const what = `samples[${i}]`;
      const own = sampleProblems(message.sample, `${what}.sample`);
      let row: Float32Array | undefined;
      try {
        row = memoryRow(message, what);
      } catch (err) {
        own.push(MnemeError.from(err).message);
      }
      if (row !== undefined) {
        width ??= row.length;
        if (row.length !== width) own.push(`${what} has ${row.length} feature values but the memory holds rows of ${width}`);
      }
      const id = message.sample?.sampleId ?? '';
      if (id !== '' && seen.has(id)) own.push(`${what}.sample_id '${id}' appears twice in the request`);
      seen.add(id);
      problems.push(...own);
      if (own.length === 0 && row !== undefined && (!this.idsBySample.has(id) || removing.has(id))) offered.push({ message, row });
    });
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    return offered;
  }

  private labelIndex(label: string): number {
    let index = this.labels.indexOf(label);
    if (index < 0) index = this.labels.push(label) - 1;
    return index;
  }

  private hold(id: number, message: WireMemorySample): string {
    this.records.set(id, message);
    this.idsBySample.set(message.sample!.sampleId, id);
    return message.sample!.sampleId;
  }

  private forget(id: number): void {
    const sampleId = this.records.get(id)?.sample?.sampleId;
    if (sampleId !== undefined && this.idsBySample.get(sampleId) === id) this.idsBySample.delete(sampleId);
    this.records.delete(id);
  }
}

/** Consecutive runs of samples with the same experience index. */
function runsByExperience<T extends { message: WireMemorySample }>(items: readonly T[]): T[][] {
  const runs: T[][] = [];
  for (const item of items) {
    const last = runs.at(-1);
    if (last !== undefined && last[0]!.message.experienceIndex === item.message.experienceIndex) last.push(item);
    else runs.push([item]);
  }
  return runs;
}
