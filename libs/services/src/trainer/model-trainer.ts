import { join } from 'node:path';
import type { TrainingSample } from '@mneme/contracts';
import { InvalidArgumentError, NotFoundError } from '@mneme/errors';
import type { Executor } from '@mneme/execution';
import type { DistillFailure, DistillStrategy } from '@mneme/methods';
import { SampleLog, type FileModelStore, type LogEntry, type LoggedSample, type VersionRecord } from '@mneme/model-store';
import type { Logger } from '@mneme/rpc';
import { StreamTrainingLoop, type LoopState, type StreamRecord } from '@mneme/streaming';
import { buildModelRuntime, type ModelRuntime } from '../models/model-runtime.js';
import type { ServiceMetrics } from '../runtime/service-metrics.js';
import { labelLimitProblem, labelNameProblem } from '../models/label-names.js';
import { LabelTable } from './label-table.js';
import { remoteDistillPort, type DistillationWaitState } from './remote-distill-port.js';
import { TrainerCheckpoints } from './trainer-checkpoint.js';

/** What a model trainer is built with. */
export interface ModelTrainerDeps {
  readonly store: FileModelStore;
  readonly executor: Executor;
  /** Folder of the frozen encoders (the encoder model store). */
  readonly modelsDir: string;
  /** Folder of this model's trainer state (log and checkpoints). */
  readonly dir: string;
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
  /** Announces a saved version (model-updated); must be idempotent per version. */
  readonly announce: (version: VersionRecord, reason: string) => Promise<void>;
}

/**
 * Trains one model from its durable log. Incoming samples and closes are appended to the log
 * (durable before the event is acknowledged); a single pump applies the log to the strategy in
 * order, checkpoints every few steps, and saves and announces a version when an experience ends.
 * After a crash, the last checkpoint plus the log replay give the same state: nothing is lost and
 * nothing is trained twice.
 */
export class ModelTrainer {
  private pumping: Promise<void> = Promise.resolve();
  private stepsSinceCheckpoint = 0;
  private failed: unknown;

  private constructor(
    readonly modelId: string,
    readonly runtime: ModelRuntime,
    private readonly log: SampleLog,
    private readonly loop: StreamTrainingLoop,
    private readonly checkpoints: TrainerCheckpoints,
    /** The model's label names in class order (declared, then by first arrival). */
    readonly labels: LabelTable,
    private readonly distilling: { readonly wait: DistillationWaitState | undefined },
    private readonly deps: ModelTrainerDeps,
  ) {}

  /** Opens a model's trainer: restores the latest checkpoint (or starts fresh) and resumes the log. */
  static async open(modelId: string, deps: ModelTrainerDeps): Promise<ModelTrainer> {
    const record = await deps.store.getModel(modelId);
    const labels = await LabelTable.open(join(deps.dir, 'labels.json'), record.labels);
    const waiting: { wait: DistillationWaitState | undefined } = { wait: undefined };
    const distillerAddress = deps.distillerAddress?.();
    const distiller =
      distillerAddress === undefined
        ? undefined
        : remoteDistillPort({
            address: () => distillerAddress,
            modelId,
            labels: () => labels.labels,
            timeoutMs: deps.distillTimeoutMs,
            onWait: (wait) => void (waiting.wait = wait),
            logger: deps.logger,
          });
    const runtime = await buildModelRuntime(record, deps.executor, deps.modelsDir, distiller === undefined ? {} : { distiller });
    const log = await SampleLog.open(join(deps.dir, 'samples.log'));
    const checkpoints = new TrainerCheckpoints(join(deps.dir, 'checkpoints'));
    // The loop's hook needs the trainer, which needs the loop: a holder breaks the cycle.
    const self: { trainer?: ModelTrainer } = {};
    const loop = new StreamTrainingLoop(runtime.strategy, {
      batchSize: runtime.definition.settings.batchSize,
      onStep: (samples) => {
        deps.metrics.trainingSteps.inc({ model: modelId });
        deps.metrics.samplesTrained.inc({ model: modelId }, samples);
      },
      onExperienceEnd: (ended) => self.trainer!.experienceEnded(ended.experience, ended.state),
      onForget: (applied) => self.trainer!.forgetApplied(applied.position, applied.removed),
    });
    const saved = await checkpoints.load();
    if (saved !== undefined) {
      runtime.strategy.restoreState(saved.strategy);
      loop.restore(saved.loop);
    }
    const trainer = new ModelTrainer(modelId, runtime, log, loop, checkpoints, labels, waiting, deps);
    self.trainer = trainer;
    deps.logger.info('trainer opened model', { model: modelId, resumedAt: loop.state.position, logged: log.length });
    trainer.pump();
    return trainer;
  }

  /** Progress of the loop and the log, and any wait for a distilled set (with past failures). */
  status(): { loop: LoopState; logged: number; backlog: number; distillation: DistillationWaitState | undefined; distillationFailures: readonly DistillFailure[] } {
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

  /**
   * Validates and logs samples (durably); returns ids dropped as repeats. Every problem is reported
   * at once and nothing is logged when any sample is bad.
   */
  async appendSamples(samples: readonly TrainingSample[]): Promise<{ appended: number; duplicates: string[] }> {
    this.throwIfFailed();
    const problems: string[] = [];
    samples.forEach((s, i) => {
      const id = s.sample?.sampleId ?? '';
      if (id === '') problems.push(`sample ${i}: sample_id is empty`);
      const labelProblem = labelNameProblem(s.sample?.label ?? '');
      if (labelProblem !== undefined) problems.push(`sample ${i} ('${id}'): ${labelProblem}`);
      const model = s.experience?.modelId ?? '';
      if (model !== this.modelId) problems.push(`sample ${i} ('${id}'): experience.model_id '${model}' is not '${this.modelId}'`);
    });
    const limit = labelLimitProblem(this.labels, samples.map((s) => s.sample!.label), this.deps.maxLabels);
    if (limit !== undefined) problems.push(limit);
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const features = await this.runtime.featurizer.featurize(samples.map((s) => s.sample?.input), 'sample');
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
    }));
    const result = await this.log.append(records);
    this.pump();
    return result;
  }

  /** Logs the announced end of an experience. */
  async appendClose(experience: number, sampleCount: number): Promise<void> {
    this.throwIfFailed();
    await this.log.append([{ kind: 'close', experience, sampleCount }]);
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

  /** Waits for the pump, writes a final checkpoint when clean, closes the log. */
  async close(): Promise<void> {
    await this.pumping.catch(() => undefined);
    if (this.failed === undefined && this.loop.isClean() && this.stepsSinceCheckpoint > 0) await this.checkpoint();
    await this.log.close();
  }

  private pump(): void {
    this.pumping = this.pumping.then(() => this.applyLog()).catch((err: unknown) => {
      this.failed = err;
      for (const waiter of this.forgetWaiters.values()) waiter.reject(err);
      this.forgetWaiters.clear();
      this.deps.logger.error('training failed; the model stops training until restarted', { model: this.modelId, error: err instanceof Error ? err.message : String(err) });
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
        const before = this.loop.state.steps;
        await this.loop.apply(this.streamRecord(e));
        this.stepsSinceCheckpoint += this.loop.state.steps - before;
        if (this.loop.isClean() && this.stepsSinceCheckpoint >= this.deps.checkpointEvery) await this.checkpoint();
      }
      next += entries.length;
      this.readUpTo = next;
    }
    this.deps.metrics.queueDepth.set({ service: 'trainer', queue: `backlog:${this.modelId}` }, this.log.length - this.loop.state.position);
  }

  /** A log entry as the loop takes it: forgotten samples are marked, forget records name log positions. */
  private streamRecord(e: LogEntry): StreamRecord {
    if (e.kind === 'close') return { kind: 'close', position: e.position, experience: e.experience, sampleCount: e.sampleCount };
    if (e.kind === 'forget') return { kind: 'forget', position: e.position, positions: e.ids.map((id) => this.log.positionOf(id)!) };
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
    if (unknown.length > 0) throw new NotFoundError(`model '${this.modelId}' never received sample${unknown.length === 1 ? '' : 's'} ${unknown.slice(0, 10).map((id) => `'${id}'`).join(', ')}${unknown.length > 10 ? `, … (${unknown.length} in all)` : ''}`);
    const fresh = [...new Set(ids)].filter((id) => !this.log.isForgotten(id));
    const positions = fresh.map((id) => this.log.positionOf(id)!);
    if (fresh.length === 0) return { removed: 0, positions, fresh };
    const at = this.log.length;
    const applied = new Promise<number>((resolve, reject) => this.forgetWaiters.set(at, { resolve, reject }));
    await this.log.append([{ kind: 'forget', ids: fresh }]);
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
    // A replay after a crash finds the version it saved before (same experience, same samples)
    // and announces it again instead of saving a second one.
    const saved = (await this.deps.store.listVersions(this.modelId)).find((v) => v.trainedThrough === experience && v.samplesSeen === state.samplesTrained);
    const labels = this.labels.labels.slice(0, this.runtime.strategy.classCount());
    const version = saved ?? (await this.deps.store.saveVersion(this.modelId, this.runtime.strategy.saveState(), { trainedThrough: experience, samplesSeen: state.samplesTrained, labels, logThrough: state.position }));
    await this.deps.announce(version, `experience ${experience} ended`);
    await this.checkpoint(state);
  }

  private async checkpoint(state: LoopState = this.loop.state): Promise<void> {
    await this.checkpoints.save({ loop: state, strategy: this.runtime.strategy.saveState() });
    this.stepsSinceCheckpoint = 0;
  }

  private throwIfFailed(): void {
    if (this.failed !== undefined) throw this.failed;
  }
}
