import { endStep, learnStep, type ExperienceInfo, type Strategy } from '@mneme/methods';
import { InvalidArgumentError } from '@mneme/errors';
import type { CloseRecord, ForgetRecord, SampleRecord, StreamRecord } from './stream-records.js';

/** The loop's progress: JSON-safe, saved beside the strategy's state in every checkpoint. */
export interface LoopState {
  /** Every record before this log position is reflected in the strategy. */
  readonly position: number;
  /** Experience being trained, or -1 before the first. */
  readonly current: number;
  /** Whether `current` has begun (beginExperience called) and not yet ended. */
  readonly open: boolean;
  /** Classes seen in the current experience. */
  readonly classes: readonly number[];
  /** Samples of the current experience learned so far. */
  readonly learnedInExperience: number;
  /** Samples of the current experience forgotten before they were learned (they count toward its size). */
  readonly skippedInExperience?: number;
  /** Announced closes not yet reached: experience → sample count. */
  readonly pendingCloses: Readonly<Record<string, number>>;
  readonly samplesTrained: number;
  readonly steps: number;
  /** Last experience ended, or -1. */
  readonly closedThrough: number;
  /** Samples that arrived for an experience already ended (trained with the current one). */
  readonly lateSamples: number;
}

/** Told when an experience ends, with the loop's state right after (clean: nothing buffered). */
export type ExperienceEndHook = (ended: { experience: number; state: LoopState }) => Promise<void>;

/** Options of {@link StreamTrainingLoop}. */
export interface StreamTrainingLoopOptions {
  /** Samples per learn step. */
  readonly batchSize: number;
  /** Called after each experience has ended (save a version, publish it). */
  readonly onExperienceEnd?: ExperienceEndHook;
  /**
   * Called after each learn step with the samples it used and what the strategy's `learn`
   * resolved to (the step's `{ loss }` when it ran an optimizer step, else nothing), for metrics.
   */
  readonly onStep?: (samples: number, outcome: unknown) => void;
  /** Called when a forget record was applied, with the samples the strategy removed. */
  readonly onForget?: (applied: { position: number; removed: number }) => void;
}

export const INITIAL_LOOP_STATE: LoopState = Object.freeze({
  position: 0,
  current: -1,
  open: false,
  classes: [],
  learnedInExperience: 0,
  skippedInExperience: 0,
  pendingCloses: {},
  samplesTrained: 0,
  steps: 0,
  closedThrough: -1,
  lateSamples: 0,
});

/**
 * Drives a strategy over a model's logged stream, the way the embedded loop drives it over a
 * scenario: samples are learned in batches of `batchSize` in log order; an experience begins with its
 * first batch and ends when its announced sample count is reached, or when a sample of a later
 * experience arrives; its tail (a partial batch) is learned before it ends. Replaying the same log
 * from a checkpoint gives the same strategy state, so a crash loses nothing and trains nothing twice.
 */
export class StreamTrainingLoop {
  private s: LoopState = INITIAL_LOOP_STATE;
  private buffer: SampleRecord[] = [];
  private readonly classes = new Set<number>();
  /** Position after the last record applied (buffered records included). */
  private next = 0;
  /** Whether beginExperience was called for the open experience. */
  private begun = false;
  /** The record being applied, and whether it is part of the state yet (a sample is once buffered). */
  private applying = { position: -1, consumed: false };

  constructor(
    private readonly strategy: Strategy,
    private readonly options: StreamTrainingLoopOptions,
  ) {
    if (!(Number.isInteger(options.batchSize) && options.batchSize >= 1))
      throw new InvalidArgumentError(`batchSize must be a positive integer, got ${options.batchSize}`);
  }

  /** The progress so far; a checkpoint is consistent only when {@link isClean}. */
  get state(): LoopState {
    return { ...this.s, classes: [...this.classes].sort((a, b) => a - b) };
  }

  /** True when no sample is buffered: the strategy reflects every record before `state.position`. */
  isClean(): boolean {
    return this.buffer.length === 0;
  }

  /** Resumes from a checkpointed state (the strategy's state must be restored with it). */
  restore(state: LoopState): void {
    this.s = { ...state, pendingCloses: { ...state.pendingCloses } };
    this.buffer = [];
    this.next = state.position;
    this.begun = state.open && state.learnedInExperience > 0;
    this.classes.clear();
    for (const c of state.classes) this.classes.add(c);
  }

  /** Applies the next record of the log (records must come in position order from `state.position`). */
  async apply(record: StreamRecord): Promise<void> {
    if (record.position < this.next) return; // already applied (a replay after resuming)
    this.next = record.position + 1;
    this.applying = { position: record.position, consumed: record.kind !== 'sample' };
    if (record.kind === 'sample') await this.applySample(record);
    else if (record.kind === 'close') await this.applyClose(record);
    else await this.applyForget(record);
    if (this.isClean()) this.s = { ...this.s, position: record.position + 1 };
  }

  /** Learns and ends the current experience now, whatever its announced count (a drain). */
  async endCurrent(): Promise<void> {
    if (this.s.open || this.buffer.length > 0) await this.endExperience();
  }

  private async applySample(record: SampleRecord): Promise<void> {
    let experience = record.experience;
    if (experience <= this.s.closedThrough && !(this.s.open && experience === this.s.current)) {
      // The producer sent more than it announced: train it with the current experience, count it.
      this.s = { ...this.s, lateSamples: this.s.lateSamples + 1 };
      experience = this.s.open ? this.s.current : this.s.closedThrough;
      if (!this.s.open) this.s = { ...this.s, current: experience, open: true, learnedInExperience: 0, skippedInExperience: 0 };
    } else if (experience !== this.s.current || !this.s.open) {
      if (this.s.open) await this.endExperience();
      this.classes.clear();
      this.s = { ...this.s, current: experience, open: true, learnedInExperience: 0, skippedInExperience: 0 };
      this.begun = false;
    }
    if (record.forgotten === true) {
      // Never trained, but the producer counted it in the experience's announced size.
      this.s = { ...this.s, skippedInExperience: (this.s.skippedInExperience ?? 0) + 1 };
      this.applying = { position: record.position, consumed: true };
      await this.closeIfDue();
      return;
    }
    this.buffer.push(record);
    this.applying = { position: record.position, consumed: true };
    this.classes.add(record.label);
    if (this.buffer.length >= this.options.batchSize) await this.flush();
    await this.closeIfDue();
  }

  private async applyClose(record: CloseRecord): Promise<void> {
    if (record.experience <= this.s.closedThrough && !(this.s.open && record.experience === this.s.current)) return; // stale or repeated
    const count = record.sampleCount === 0 ? this.arrived(record.experience) : record.sampleCount;
    this.s = { ...this.s, pendingCloses: { ...this.s.pendingCloses, [String(record.experience)]: count } };
    await this.closeIfDue();
  }

  /** Samples of `experience` learned, buffered or forgotten. */
  private arrived(experience: number): number {
    return this.s.open && this.s.current === experience
      ? this.s.learnedInExperience + this.buffer.length + (this.s.skippedInExperience ?? 0)
      : 0;
  }

  /** Forgets samples: buffered ones are dropped untrained, and the strategy removes the rest from its memories. */
  private async applyForget(record: ForgetRecord): Promise<void> {
    const doomed = new Set(record.positions);
    const kept = this.buffer.filter((r) => !doomed.has(r.position));
    const dropped = this.buffer.length - kept.length;
    this.buffer = kept;
    if (dropped > 0) this.s = { ...this.s, skippedInExperience: (this.s.skippedInExperience ?? 0) + dropped };
    const removed = this.strategy.forget?.(record.positions) ?? 0;
    this.options.onForget?.({ position: record.position, removed: removed + dropped });
    await this.closeIfDue();
  }

  private async closeIfDue(): Promise<void> {
    if (!this.s.open) return;
    const due = this.s.pendingCloses[String(this.s.current)];
    if (due !== undefined && this.arrived(this.s.current) >= due) await this.endExperience();
  }

  private info(): ExperienceInfo {
    const taskId = this.buffer[0]?.taskId;
    return { index: this.s.current, classes: [...this.classes].sort((a, b) => a - b), ...(taskId === undefined ? {} : { taskId }) };
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    const labels = Int32Array.from(batch, (r) => r.label);
    const width = batch[0]!.features.length;
    const features = new Float32Array(batch.length * width);
    batch.forEach((r, i) => features.set(r.features, i * width));
    const taskId = batch[0]!.taskId;
    // Classes known at the start: those of the first batch (a stream does not announce them).
    const begin = this.begun ? undefined : this.info();
    const outcome = await learnStep(
      this.strategy,
      {
        features,
        labels,
        ids: Int32Array.from(batch, (r) => r.position),
        experience: this.s.current,
        ...(taskId === undefined ? {} : { taskId }),
      },
      begin,
    );
    this.begun = true;
    this.buffer = [];
    this.s = {
      ...this.s,
      samplesTrained: this.s.samplesTrained + batch.length,
      steps: this.s.steps + 1,
      learnedInExperience: this.s.learnedInExperience + batch.length,
    };
    this.options.onStep?.(batch.length, outcome);
  }

  private async endExperience(): Promise<void> {
    const info = this.info();
    await this.flush();
    await endStep(this.strategy, info, this.begun);
    const experience = this.s.current;
    const pendingCloses = Object.fromEntries(Object.entries(this.s.pendingCloses).filter(([e]) => Number(e) > experience));
    // Nothing is buffered now: every record up to the one being applied (if it is in) is reflected.
    const position = this.applying.consumed ? this.applying.position + 1 : this.applying.position;
    this.s = {
      ...this.s,
      position: Math.max(this.s.position, position),
      open: false,
      closedThrough: Math.max(this.s.closedThrough, experience),
      pendingCloses,
      learnedInExperience: 0,
      skippedInExperience: 0,
    };
    this.begun = false;
    await this.options.onExperienceEnd?.({ experience, state: this.state });
  }
}
