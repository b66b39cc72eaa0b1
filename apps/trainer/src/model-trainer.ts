import { access, rm } from 'node:fs/promises';
import type { TrainingSample } from '@mneme/contracts';
import { InvalidArgumentError, MnemeError, NotFoundError } from '@mneme/errors';
import type { Executor } from '@mneme/execution';
import type { DistillFailure, DistillStrategy } from '@mneme/methods';
import {
  SampleLog,
  SegmentedLog,
  segmentPath,
  type FileModelStore,
  type LogEntry,
  type LoggedSample,
  type SealedSegment,
  type VersionRecord,
} from '@mneme/model-store';
import type { ClientTls, Logger } from '@mneme/rpc';
import { INITIAL_LOOP_STATE, StreamTrainingLoop, type LoopState, type StreamRecord } from '@mneme/streaming';
import { buildModelRuntime, ownerOf, type ModelRuntime } from '@mneme/service-runtime';
import type { ServiceMetrics } from '@mneme/service-runtime';
import { labelLimitProblem } from '@mneme/service-runtime';
import { LabelTable } from './label-table.js';
import { remoteDistillPort, type DistillationWaitState } from './remote-distill-port.js';
import { remoteMemoryPort, type MemoryReplication } from './remote-memory-port.js';
import { TrainerCheckpoints, type CheckpointPointer } from './trainer-checkpoint.js';
import { FencedError, ModelLease, trainerPaths } from './trainer-lease.js';

/** What a model trainer is built with. */
export interface ModelTrainerDeps {
  readonly store: FileModelStore;
  readonly executor: Executor;
  /** Folder of the frozen encoders (the encoder model store). */
  readonly modelsDir: string;
  /** This replica's claim on the model; its folder holds the log segments, checkpoints, labels and epochs. */
  readonly lease: ModelLease;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  /** Learn steps between checkpoints (experience ends always checkpoint). */
  readonly checkpointEvery: number;
  /** Most labels the model may learn. */
  readonly maxLabels: number;
  /** `host:port` of the distiller service, if one is reachable (else `distill` models distil in-process). */
  readonly distillerAddress?: () => string | undefined;
  /** Longest wait for a distilled set before the experience closes without one. */
  readonly distillTimeoutMs: number;
  /** `host:port` of the replay-memory service, if one is reachable (else memories stay in the trainer only). */
  readonly replayMemoryAddress?: () => string | undefined;
  /** TLS of the connections to the distiller and replay-memory services; plaintext when absent. */
  readonly peerTls?: ClientTls;
  /** How long memory changes gather before they are replicated. @default 25 ms */
  readonly replayMemoryLingerMs?: number;
  /** Announces a saved version (model-updated); must be idempotent per version. */
  readonly announce: (version: VersionRecord, reason: string) => Promise<void>;
  /** Told when another replica took the model over (this trainer stopped and must be dropped). */
  readonly onFenced: (modelId: string) => void;
  /** Token (scope `service`) for calls to the distiller and replay-memory services, which act for the model's owner. */
  readonly serviceToken?: string;
}

/**
 * Trains one model from its durable log. Incoming samples and closes are appended to the log
 * (durable before the event is acknowledged); a single pump applies the log to the strategy in
 * order, checkpoints every few steps, and saves and announces a version when an experience ends.
 * After a crash, or on another replica after a takeover, the best checkpoint plus the log replay
 * give the same state: nothing is lost and nothing is trained twice. Every write is fenced by the
 * model's lease (see ModelLease).
 */
export class ModelTrainer {
  private pumping: Promise<void> = Promise.resolve();
  private stepsSinceCheckpoint = 0;
  private failed: unknown;
  private stopping = false;
  private checkpointed = false;

  private constructor(
    readonly modelId: string,
    readonly runtime: ModelRuntime,
    private readonly log: SegmentedLog,
    private readonly loop: StreamTrainingLoop,
    private readonly checkpoints: TrainerCheckpoints,
    /** The model's label names in class order (declared, then by first arrival). */
    readonly labels: LabelTable,
    private readonly distilling: { readonly wait: DistillationWaitState | undefined },
    /** Replication of the strategy's memory to the replay-memory service, when bound. */
    readonly memoryReplication: MemoryReplication | undefined,
    private readonly deps: ModelTrainerDeps,
  ) {}

  /** Opens a model's trainer under its lease: restores the best checkpoint (or starts fresh) and resumes the log. */
  static async open(modelId: string, deps: ModelTrainerDeps): Promise<ModelTrainer> {
    const { claim, dir } = deps.lease;
    const paths = trainerPaths(dir);
    const record = await deps.store.getModel(modelId);
    // Each epoch writes its own label table, starting from its predecessors' (a fenced owner's
    // later labels go with records past the seal, which nobody reads).
    const labels = await LabelTable.open(paths.labels(claim.epoch), record.labels, await inheritedLabels(dir, claim.sealed));
    const waiting: { wait: DistillationWaitState | undefined } = { wait: undefined };
    // Calls to peers act for the model's owner, so what they store is that tenant's.
    const peer = { token: deps.serviceToken, tenant: ownerOf(record) };
    const distillerAddress = deps.distillerAddress?.();
    const distiller =
      distillerAddress === undefined
        ? undefined
        : remoteDistillPort({
            address: () => distillerAddress,
            tls: deps.peerTls,
            modelId,
            labels: () => labels.labels,
            timeoutMs: deps.distillTimeoutMs,
            onWait: (wait) => void (waiting.wait = wait),
            logger: deps.logger,
            peer,
          });
    // The memory names samples by their logged ids; the log opens after the runtime is built.
    const opened: { log?: SegmentedLog } = {};
    const memoryAddress = deps.replayMemoryAddress;
    const remoteMemory =
      memoryAddress?.() === undefined
        ? undefined
        : remoteMemoryPort({
            address: memoryAddress,
            tls: deps.peerTls,
            modelId,
            labels: () => labels.labels,
            sampleIdAt: (p) => opened.log?.idAt(p),
            seed: record.seed,
            writerEpoch: claim.epoch,
            logger: deps.logger,
            peer,
            ...(deps.replayMemoryLingerMs === undefined ? {} : { lingerMs: deps.replayMemoryLingerMs }),
          });
    const runtime = await buildModelRuntime(record, deps.executor, deps.modelsDir, {
      ...(distiller === undefined ? {} : { distiller }),
      ...(remoteMemory === undefined ? {} : { memory: remoteMemory.port }),
    });
    const log = await SegmentedLog.open(paths.log, claim.sealed, claim.epoch);
    opened.log = log;
    const checkpoints = new TrainerCheckpoints(paths.checkpoints(claim.epoch));
    // The loop's hook needs the trainer, which needs the loop: a holder breaks the cycle.
    const self: { trainer?: ModelTrainer } = {};
    const loop = new StreamTrainingLoop(runtime.strategy, {
      batchSize: runtime.definition.settings.batchSize,
      onStep: (samples, outcome) => {
        deps.metrics.trainingSteps.inc({ model: modelId });
        deps.metrics.samplesTrained.inc({ model: modelId }, samples);
        // Strategies that report their step loss resolve `learn` to `{ loss }`; the others to nothing.
        deps.metrics.recordTrainingLoss(modelId, outcome);
      },
      onExperienceEnd: (ended) => self.trainer!.experienceEnded(ended.experience, ended.state),
      onForget: (applied) => self.trainer!.forgetApplied(applied.position, applied.removed),
    });
    const restored = await restoreBest(
      dir,
      claim.sealed,
      async (at) => {
        runtime.strategy.restoreState(await TrainerCheckpoints.strategyAt(paths.checkpoints(at.epoch), at.sequence));
        loop.restore(at.loop);
      },
      (epoch, err) =>
        deps.logger.warn('checkpoint damaged; resuming from an older one or from the start of the log', {
          model: modelId,
          epoch,
          folder: paths.checkpoints(epoch),
          reason: MnemeError.from(err).message,
        }),
    );
    const trainer = new ModelTrainer(modelId, runtime, log, loop, checkpoints, labels, waiting, remoteMemory?.replication, deps);
    self.trainer = trainer;
    deps.logger.info('trainer opened model', {
      model: modelId,
      epoch: claim.epoch,
      resumedAt: loop.state.position,
      fromEpoch: restored?.epoch,
      logged: log.length,
    });
    trainer.reportLogSize();
    trainer.pump();
    return trainer;
  }

  /**
   * The model's progress as its stored state says (the owner's last checkpoint and its log), for a
   * replica that does not own the model.
   */
  static async storedStatus(dir: string): Promise<{ loop: LoopState; logged: number; backlog: number }> {
    const claim = await ModelLease.latest(dir);
    if (claim === undefined) return { loop: INITIAL_LOOP_STATE, logged: 0, backlog: 0 };
    const chain = [
      ...claim.sealed,
      { epoch: claim.epoch, records: await SampleLog.count(segmentPath(trainerPaths(dir).log, claim.epoch)) },
    ];
    const best = await bestCheckpoints(dir, chain);
    const loop = best[0]?.loop ?? INITIAL_LOOP_STATE;
    const logged = chain.reduce((n, s) => n + s.records, 0);
    return { loop, logged, backlog: logged - loop.position };
  }

  /** The model's labels as its stored state says (the newest epoch's table), for a replica that does not own it. */
  static async storedLabels(dir: string, declared: readonly string[]): Promise<ReadonlySet<string>> {
    const claim = await ModelLease.latest(dir);
    const chain = claim === undefined ? [] : [...claim.sealed, { epoch: claim.epoch, records: 0 }];
    return new Set((await inheritedLabels(dir, chain)) ?? declared);
  }

  /** Progress of the loop and the log, and any wait for a distilled set (with past failures). */
  status(): {
    loop: LoopState;
    logged: number;
    backlog: number;
    distillation: DistillationWaitState | undefined;
    distillationFailures: readonly DistillFailure[];
  } {
    const loop = this.loop.state;
    const strategy = this.runtime.strategy as Partial<DistillStrategy>;
    return {
      loop,
      logged: this.log.length,
      backlog: this.log.length - loop.position,
      distillation: this.distilling.wait,
      distillationFailures: strategy.failedDistillations?.() ?? [],
    };
  }

  /** Whether a sample id was logged already. */
  hasSample(id: string): boolean {
    return this.log.has(id);
  }

  /** Whether an event was logged whole already (the model's applied-events record). */
  hasEvent(id: string): boolean {
    return this.log.hasEvent(id);
  }

  /**
   * Logs samples of the samples topic (durably) as event `event`; returns ids dropped as repeats. The
   * topic is the trainer's own: Ingest checked every sample, so they are featurised here once, as
   * they are, and the feature rows (with token ids for token-level strategies) are what is logged.
   * Only the label limit is checked again, against the label table at log time (ingests that each
   * passed it may add too many labels together); nothing is logged when it fails.
   */
  async appendSamples(samples: readonly TrainingSample[], event?: string): Promise<{ appended: number; duplicates: string[] }> {
    this.throwIfFailed();
    const limit = labelLimitProblem(
      this.labels,
      samples.map((s) => s.sample!.label),
      this.deps.maxLabels,
    );
    if (limit !== undefined) throw new InvalidArgumentError(limit);
    const features = await this.runtime.featurizer.featurize(
      samples.map((s) => s.sample?.input),
      'sample',
      { checked: true },
    );
    // Token-level strategies learn from token ids: they go into the log, so replays have them too.
    const tokens = this.runtime.tokens === undefined ? undefined : this.runtime.featurizer.tokenize(samples.map((s) => s.sample?.input));
    await this.fence();
    // New labels become classes, in order of first arrival, durably before the log uses them.
    const classes = await this.labels.assign(samples.map((s) => s.sample!.label));
    const width = this.runtime.featurizer.width;
    const records: LoggedSample[] = samples.map((s, i) => ({
      kind: 'sample',
      id: s.sample!.sampleId,
      experience: s.experience!.experienceIndex,
      ...(s.taskId === undefined ? {} : { taskId: s.taskId }),
      label: classes[i]!,
      features: features.slice(i * width, (i + 1) * width),
      ...(tokens === undefined ? {} : { tokens: tokens[i]! }),
    }));
    await this.fence();
    const result = await this.log.append(records, event);
    this.reportLogSize();
    this.pump();
    return result;
  }

  /** Logs the announced end of an experience (as event `event`). */
  async appendClose(experience: number, sampleCount: number, event?: string): Promise<void> {
    this.throwIfFailed();
    await this.fence();
    await this.log.append([{ kind: 'close', experience, sampleCount }], event);
    this.reportLogSize();
    this.pump();
  }

  /** Resolves when everything logged so far has been applied. */
  async drained(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.pumping;
      await seen;
    } while (seen !== this.pumping);
    this.throwIfFailed();
  }

  /**
   * Stops the pump at the next clean point (no partial batch buffered, so the checkpoint is exact),
   * writes a last checkpoint, closes the log and, with `release`, tells the next owner it may take
   * over at once instead of replaying from an older checkpoint.
   */
  async close(options: { release?: boolean } = {}): Promise<void> {
    this.stopping = true;
    await this.pumping.catch(() => undefined);
    // A forget not yet applied goes with the model: its caller retries on the next owner.
    for (const waiter of this.forgetWaiters.values())
      waiter.reject(
        new MnemeError('unavailable', `model '${this.modelId}' moved to another trainer replica before the forget was applied; retry`),
      );
    this.forgetWaiters.clear();
    try {
      if (this.failed === undefined && this.loop.isClean() && this.stepsSinceCheckpoint > 0 && (await this.deps.lease.isCurrent()))
        await this.checkpoint();
      if (options.release === true && this.failed === undefined) await this.deps.lease.release();
    } finally {
      await this.memoryReplication?.close();
      await this.log.close();
      this.dropSeries();
    }
  }

  /** Sets `mneme_sample_log_samples` to the records the model's log holds (samples, and the few closes and forget tombstones). */
  private reportLogSize(): void {
    this.deps.metrics.sampleLogSamples.set({ model: this.modelId }, this.log.length);
  }

  /** Drops this model's per-model gauges: once closed, the replica that trains it next reports them. */
  private dropSeries(): void {
    this.deps.metrics.sampleLogSamples.remove({ model: this.modelId });
    this.deps.metrics.trainingLoss.remove({ model: this.modelId });
    this.deps.metrics.queueDepth.remove({ service: 'trainer', queue: `backlog:${this.modelId}` });
  }

  private pump(): void {
    this.pumping = this.pumping
      .then(() => this.applyLog())
      .catch((err: unknown) => {
        this.failed = err;
        for (const waiter of this.forgetWaiters.values()) waiter.reject(err);
        this.forgetWaiters.clear();
        if (err instanceof FencedError) {
          this.deps.logger.warn('another replica took the model over; this trainer stops', {
            model: this.modelId,
            epoch: this.deps.lease.claim.epoch,
          });
          this.deps.onFenced(this.modelId);
          return;
        }
        this.deps.logger.error('training failed; the model stops training until restarted', {
          model: this.modelId,
          error: err instanceof Error ? err.message : String(err),
        });
      });
  }

  private async applyLog(): Promise<void> {
    if (this.failed !== undefined) return;
    const chunk = 256;
    let next = this.loop.state.position;
    // Buffered samples (a partial batch) were read already: continue after them.
    next = Math.max(next, this.readUpTo);
    while (next < this.log.length) {
      const entries = await this.log.read(next, Math.min(next + chunk, this.log.length));
      for (const e of entries) {
        // Closing: stop where the loop is clean, so the last checkpoint is exact.
        if (this.stopping && this.loop.isClean()) return;
        const before = this.loop.state.steps;
        await this.loop.apply(this.streamRecord(e));
        this.readUpTo = e.position + 1;
        this.stepsSinceCheckpoint += this.loop.state.steps - before;
        if (this.loop.isClean() && this.stepsSinceCheckpoint >= this.deps.checkpointEvery) await this.checkpoint();
      }
      next += entries.length;
    }
    this.deps.metrics.queueDepth.set({ service: 'trainer', queue: `backlog:${this.modelId}` }, this.log.length - this.loop.state.position);
  }

  /** A log entry as the loop takes it: forgotten samples are marked, forget records name log positions. */
  private streamRecord(e: LogEntry): StreamRecord {
    if (e.kind === 'close') return { kind: 'close', position: e.position, experience: e.experience, sampleCount: e.sampleCount };
    if (e.kind === 'forget') return { kind: 'forget', position: e.position, positions: e.ids.map((id) => this.log.positionOf(id)!) };
    this.runtime.tokens?.remember(e.position, e.tokens);
    return {
      kind: 'sample',
      position: e.position,
      experience: e.experience,
      label: e.label,
      features: e.features,
      ...(e.taskId === undefined ? {} : { taskId: e.taskId }),
      ...(this.log.isForgotten(e.id) ? { forgotten: true } : {}),
    };
  }

  /**
   * Forgets logged samples (a data-deletion request): tombstones them in the log (durably) and waits
   * until the loop has applied the tombstone (buffered ones dropped, the strategy's memories purged).
   * Every id must be a sample the log holds; nothing changes otherwise.
   *
   * @throws NotFoundError naming the ids the model never received
   */
  async forget(ids: readonly string[]): Promise<{ removed: number; positions: number[]; fresh: string[] }> {
    this.throwIfFailed();
    const unknown = ids.filter((id) => !this.log.has(id));
    if (unknown.length > 0)
      throw new NotFoundError(
        `model '${this.modelId}' never received sample${unknown.length === 1 ? '' : 's'} ${unknown
          .slice(0, 10)
          .map((id) => `'${id}'`)
          .join(', ')}${unknown.length > 10 ? `, … (${unknown.length} in all)` : ''}`,
      );
    const fresh = [...new Set(ids)].filter((id) => !this.log.isForgotten(id));
    const positions = fresh.map((id) => this.log.positionOf(id)!);
    if (fresh.length === 0) return { removed: 0, positions, fresh };
    await this.fence();
    const at = this.log.length;
    const applied = new Promise<number>((resolve, reject) => this.forgetWaiters.set(at, { resolve, reject }));
    await this.log.append([{ kind: 'forget', ids: fresh }]);
    this.reportLogSize();
    this.pump();
    return { removed: await applied, positions, fresh };
  }

  /** Forget records being applied, by log position. */
  private readonly forgetWaiters = new Map<number, { resolve: (removed: number) => void; reject: (err: unknown) => void }>();

  private forgetApplied(position: number, removed: number): void {
    this.forgetWaiters.get(position)?.resolve(removed);
    this.forgetWaiters.delete(position);
  }

  /** Log position after the last record handed to the loop (including buffered ones). */
  private readUpTo = 0;

  private async experienceEnded(experience: number, state: LoopState): Promise<void> {
    // A replay after a crash or a takeover finds the version saved before (same experience, same
    // samples) and announces it again instead of saving a second one.
    const saved = (await this.deps.store.listVersions(this.modelId)).find(
      (v) => v.trainedThrough === experience && v.samplesSeen === state.samplesTrained,
    );
    if (saved === undefined) await this.fence();
    const labels = this.labels.labels.slice(0, this.runtime.strategy.classCount());
    const version =
      saved ??
      (await this.deps.store.saveVersion(this.modelId, this.runtime.strategy.saveState(), {
        trainedThrough: experience,
        samplesSeen: state.samplesTrained,
        labels,
        logThrough: state.position,
      }));
    await this.deps.announce(version, `experience ${experience} ended`);
    await this.checkpoint(state);
  }

  private async checkpoint(state: LoopState = this.loop.state): Promise<void> {
    await this.fence();
    await this.checkpoints.save({ loop: state, strategy: this.runtime.strategy.saveState() });
    this.stepsSinceCheckpoint = 0;
    if (!this.checkpointed) {
      this.checkpointed = true;
      // This epoch's checkpoint supersedes its predecessors': drop their (possibly large) folders.
      for (const s of this.deps.lease.claim.sealed)
        await rm(trainerPaths(this.deps.lease.dir).checkpoints(s.epoch), { recursive: true, force: true });
    }
  }

  private async fence(): Promise<void> {
    await this.deps.lease.check();
  }

  private throwIfFailed(): void {
    if (this.failed !== undefined) throw this.failed;
  }
}

/** A checkpoint of an earlier epoch that this log can resume from. */
interface Candidate extends CheckpointPointer {
  readonly epoch: number;
}

/**
 * The checkpoints of the epochs in `chain` that the chain can resume from, best (furthest) first.
 * An epoch's checkpoint counts only up to the records its successor sealed: one written past them
 * (an owner writing on after it was fenced) reflects records this log does not hold.
 */
async function bestCheckpoints(
  dir: string,
  chain: readonly SealedSegment[],
  onDamaged?: (epoch: number, err: unknown) => void,
): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  let end = 0;
  for (const s of chain) {
    end += s.records;
    let pointer: CheckpointPointer | undefined;
    try {
      pointer = await TrainerCheckpoints.pointer(trainerPaths(dir).checkpoints(s.epoch));
    } catch (err) {
      // An unreadable pointer is a damaged checkpoint: an older one, or the log from its start, stands in.
      onDamaged?.(s.epoch, err);
      continue;
    }
    if (pointer !== undefined && pointer.loop.position <= end) candidates.push({ ...pointer, epoch: s.epoch });
  }
  return candidates.sort((a, b) => b.loop.position - a.loop.position || b.epoch - a.epoch);
}

/**
 * Restores the best checkpoint that still loads (a fenced owner may be replacing its own). A damaged
 * one (a checksum or parse failure) is reported and skipped: the next best, or the log replayed from
 * its start, gives the same state, because the log holds every record.
 */
async function restoreBest(
  dir: string,
  sealed: readonly SealedSegment[],
  restore: (at: Candidate) => Promise<void>,
  onDamaged: (epoch: number, err: unknown) => void,
): Promise<Candidate | undefined> {
  for (const candidate of await bestCheckpoints(dir, sealed, onDamaged)) {
    try {
      await restore(candidate);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onDamaged(candidate.epoch, err);
    }
  }
  return undefined;
}

/** The label table of the newest earlier epoch that wrote one, or undefined (the declared labels). */
async function inheritedLabels(dir: string, sealed: readonly SealedSegment[]): Promise<string[] | undefined> {
  for (const s of [...sealed].reverse()) {
    const path = trainerPaths(dir).labels(s.epoch);
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (exists) return (await LabelTable.open(path, [])).labels;
  }
  return undefined;
}
