import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ScenarioKind, TrainerServiceService, Unlearning, type CreateModelRequest, type TrainingSample } from '@mneme/contracts';
import { InvalidArgumentError, MnemeError, NotFoundError } from '@mneme/errors';
import {
  consumeEventsTogether,
  newEventHeader,
  publishEvent,
  type AppliedEvents,
  type EventContext,
  type Subscription,
} from '@mneme/events';
import {
  DamagedStateError,
  FileModelStore,
  modelIdProblem,
  modelNotFound,
  type ModelRecord,
  type ScenarioKind as StoreScenario,
  type VersionRecord,
} from '@mneme/model-store';
import { DEFAULT_TENANT, defineService } from '@mneme/rpc';
import { defineModel } from '@mneme/streaming';
import { InputFeaturizer, deadLetterCounter } from '@mneme/service-runtime';
import { buildModelRuntime } from '@mneme/service-runtime';
import { labelLimitProblem, labelNameProblem } from '@mneme/service-runtime';
import { countProblems, experienceIndexProblems, idListProblems, sampleBoundProblems } from '@mneme/service-runtime';
import { limitProblem } from '@mneme/config';
import { DEFAULT_SERVICE_LIMITS, type ServiceDeps, type ServiceModule } from '@mneme/service-runtime';
import { forgetElsewhere } from './forget-elsewhere.js';
import { ModelTrainer } from './model-trainer.js';
import { remotePoolPublisher } from './pool-publisher.js';
import { ModelLease, ReplicaHeartbeat, type EpochClaim } from './trainer-lease.js';
import { IngestIds } from './ingest-ids.js';
import { eventTenant, ownerOf, versionToWire } from '@mneme/service-runtime';

/** Options of the trainer beyond the shared service deps. */
export interface TrainerOptions {
  /** Folder of frozen encoders (the encoder model store). @default `${dataDir}/models` */
  readonly modelsDir?: string;
  /** Learn steps between checkpoints. @default 100 */
  readonly checkpointEvery?: number;
  /** Samples per published samples event. @default 500 */
  readonly samplesPerEvent?: number;
  /**
   * How long a replica taking a model over waits for its previous owner, while that one is alive,
   * to checkpoint and release it; then it fences it. @default 10000
   */
  readonly handoffTimeoutMs?: number;
  /** Period of this replica's heartbeat in the store; 3 missed beats mean dead. @default 1000 */
  readonly heartbeatMs?: number;
  /**
   * Partitions whose events are logged at the same time (Kafka): each event waits for its fsync to
   * the store, so one replica's partitions overlap their waits. @default 8
   */
  readonly concurrentPartitions?: number;
}

/** The trainer as hosted: its module plus handles tests and the embedded stack use. */
export interface TrainerModule extends ServiceModule {
  /** Resolves when every logged record of the model has been trained on. */
  drained(modelId: string): Promise<void>;
  /** Ids of the models this replica trains now, sorted. */
  owned(): string[];
}

const UNLEARNING = {
  exact: Unlearning.UNLEARNING_EXACT,
  retrained: Unlearning.UNLEARNING_RETRAINED,
  excluded: Unlearning.UNLEARNING_EXCLUDED_FROM_NEXT,
} as const;
const SCENARIOS: Readonly<Partial<Record<ScenarioKind, StoreScenario>>> = {
  [ScenarioKind.SCENARIO_KIND_UNSPECIFIED]: 'class-incremental',
  [ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL]: 'class-incremental',
  [ScenarioKind.SCENARIO_KIND_TASK_INCREMENTAL]: 'task-incremental',
  [ScenarioKind.SCENARIO_KIND_DOMAIN_INCREMENTAL]: 'domain-incremental',
};

// Idempotence lives in each model's log (the event ids it holds whole, see SampleLog.append), which
// moves with the model between replicas; consumeEvents' own per-process record is switched off.
const LOGGED_WITH_THE_MODEL: AppliedEvents = { has: async () => false, mark: async () => undefined, close: async () => undefined };

/**
 * The trainer: creates models, accepts samples (published to the samples topic, keyed by model),
 * consumes them into each model's durable log, trains with the model's strategy, and publishes
 * model-updated for every version (the untrained one and one per ended experience).
 *
 * Replicas scale out over Kafka: they share one co-partitioned consumer group on the samples and
 * experience-closed topics, and each trains the models of the partitions it is assigned. A
 * model's state (log segments, checkpoints, label tables, ownership epochs) lives with it in the shared
 * store; a replica taking a model over claims its next epoch (fencing the old owner), continues
 * its log and resumes from its best checkpoint. On the in-process bus the one replica owns every
 * model, as before.
 */
export async function createTrainerService(deps: ServiceDeps, options: TrainerOptions = {}): Promise<TrainerModule> {
  const store = new FileModelStore(join(deps.dataDir, 'models-store'));
  const modelsDir = options.modelsDir ?? deps.modelsDir ?? join(deps.dataDir, 'models');
  const samplesPerEvent = options.samplesPerEvent ?? 500;
  const limits = deps.limits ?? DEFAULT_SERVICE_LIMITS;
  const { maxLabels } = limits;
  const handoffTimeoutMs = options.handoffTimeoutMs ?? 10_000;
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  // Shared by the replicas, beside the models (a '.' name is never a model id).
  const replicasDir = join(store.root, '.trainer', 'replicas');
  const partitionsDir = join(store.root, '.trainer', 'partitions');
  // Unique per process: a restarted pod is a new replica, and its dead predecessor is not waited for.
  const replica = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const trainers = new Map<string, Promise<ModelTrainer>>();
  /** Revoked trainers still checkpointing and releasing; a reopen waits for them. */
  const closing = new Map<string, Promise<void>>();
  const featurizers = new Map<string, Promise<InputFeaturizer>>();
  /** Partitions this replica owns; undefined while the bus reports none (in-process: it owns every model). */
  let assigned: ReadonlySet<number> | undefined;
  /** The samples partition of each model this replica opened, to release it when the partition goes. */
  const partitionOf = new Map<string, number>();
  /** Models another replica took over since the last assignment: not reclaimed before the next one. */
  const fenced = new Set<string>();
  let reconciling: Promise<void> = Promise.resolve();
  let subscription: Subscription | undefined;
  let heartbeat: ReplicaHeartbeat | undefined;
  let stopping = false;
  /** Owners of the models known to exist (never deleted), so an event does not read the model's record again. */
  const known = new Map<string, string>();
  const ingestIds = new IngestIds();

  /** The newest version this replica announced per model (`mneme_model_version{service="trainer"}`). */
  const newestPublished = new Map<string, number>();
  const pools = remotePoolPublisher({
    address: deps.peers?.promptPool,
    tls: deps.peerTls,
    store,
    logger: deps.logger,
    token: deps.serviceToken,
  });
  const announce = async (version: VersionRecord, reason: string): Promise<void> => {
    // An L2P version's pool is in the prompt-pool service before anyone hears of the version.
    await pools.publish(version);
    const owner = (await store.findModel(version.modelId))?.tenant;
    await publishEvent(deps.bus, 'modelUpdated', {
      // A deterministic id: announcing the same version again (after a crash) is a duplicate.
      header: newEventHeader({
        modelId: version.modelId,
        producer: 'trainer',
        eventId: `model-updated:${version.modelId}:${version.version}:${version.state}`,
        ...(owner === undefined ? {} : { tenant: owner }),
      }),
      version: versionToWire(version),
      reason,
    });
    // The newest published version: a re-announcement of an older one (a replay, a promotion) does not lower it.
    if (version.version > (newestPublished.get(version.modelId) ?? -1)) {
      newestPublished.set(version.modelId, version.version);
      deps.metrics.modelVersion.set({ service: 'trainer', model: version.modelId }, version.version);
    }
  };

  /** Waits, before taking a model over, until its previous owner released it or is gone. */
  const handoff = async (modelId: string, previous: EpochClaim): Promise<void> => {
    if (previous.replica === replica) return;
    const dir = store.stateDir(modelId, 'trainer');
    const started = Date.now();
    while (
      !(await ModelLease.isReleased(dir, previous.epoch)) &&
      (await ReplicaHeartbeat.alive(replicasDir, previous.replica, 3 * heartbeatMs))
    ) {
      if (Date.now() - started > handoffTimeoutMs) {
        deps.logger.warn('the previous owner is alive but did not release the model in time; fencing it', {
          model: modelId,
          previous: previous.replica,
          epoch: previous.epoch,
        });
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /**
   * The open trainer of a model, opening it (claiming the model's next epoch) when needed. With
   * partitions (Kafka) only a model of an owned partition is opened: `partition` comes from the
   * event being handled, or from the partition index when resuming.
   */
  const trainerOf = (modelId: string, partition?: number): Promise<ModelTrainer> => {
    const hit = trainers.get(modelId);
    if (hit !== undefined) return hit;
    if (stopping) return Promise.reject(new MnemeError('unavailable', 'the trainer is stopping; the model moves to another replica'));
    if (assigned !== undefined) {
      if (fenced.has(modelId))
        return Promise.reject(
          new MnemeError(
            'unavailable',
            `model '${modelId}' was taken over by another trainer replica; waiting for the next partition assignment`,
          ),
        );
      if (partition === undefined || !assigned.has(partition))
        return Promise.reject(new MnemeError('failed-precondition', `model '${modelId}' is not on a partition this trainer replica owns`));
      partitionOf.set(modelId, partition);
    }
    const opened = (async () => {
      await closing.get(modelId);
      if (assigned !== undefined && partition !== undefined) await indexPartition(partition, modelId);
      const dir = store.stateDir(modelId, 'trainer');
      const lease = await ModelLease.acquire(modelId, dir, replica, (previous) => handoff(modelId, previous));
      return ModelTrainer.open(modelId, {
        store,
        executor: deps.executor,
        modelsDir,
        lease,
        metrics: deps.metrics,
        logger: deps.logger,
        checkpointEvery: options.checkpointEvery ?? deps.checkpointEvery ?? 100,
        ...(deps.replayMemoryLingerMs === undefined ? {} : { replayMemoryLingerMs: deps.replayMemoryLingerMs }),
        maxLabels,
        ...(deps.peers?.distiller === undefined ? {} : { distillerAddress: deps.peers.distiller }),
        ...(deps.peers?.replayMemory === undefined ? {} : { replayMemoryAddress: deps.peers.replayMemory }),
        ...(deps.peerTls === undefined ? {} : { peerTls: deps.peerTls }),
        distillTimeoutMs: deps.distillTimeoutMs ?? 600_000,
        ...(deps.serviceToken === undefined ? {} : { serviceToken: deps.serviceToken }),
        announce,
        onFenced: (id) => {
          fenced.add(id);
          void release(id, false);
        },
      });
    })();
    opened.catch(() => trainers.get(modelId) === opened && trainers.delete(modelId));
    trainers.set(modelId, opened);
    return opened;
  };

  /** Closes a model's trainer (a last checkpoint; with `handOver`, a release for the next owner). */
  const release = (modelId: string, handOver: boolean): Promise<void> => {
    const hit = trainers.get(modelId);
    if (hit === undefined) return closing.get(modelId) ?? Promise.resolve();
    trainers.delete(modelId);
    const done = (async () => {
      const trainer = await hit.catch(() => undefined);
      await trainer?.close({ release: handOver });
    })()
      .catch((err: unknown) =>
        deps.logger.error('closing a model failed', { model: modelId, error: err instanceof Error ? err.message : String(err) }),
      )
      .finally(() => closing.get(modelId) === done && closing.delete(modelId));
    closing.set(modelId, done);
    return done;
  };

  /** Records that a model's events arrive on `partition`, so that the partition's next owner resumes it. */
  const indexPartition = async (partition: number, modelId: string): Promise<void> => {
    const marker = join(partitionsDir, String(partition), modelId);
    if (await exists(marker)) return;
    await mkdir(join(partitionsDir, String(partition)), { recursive: true });
    await writeFile(marker, '');
  };

  /** Applies a new assignment: releases the models of partitions gone elsewhere, resumes those of new ones. */
  const reconcile = async (previous: ReadonlySet<number> | undefined, next: ReadonlySet<number>): Promise<void> => {
    const gone = [...partitionOf].filter(([modelId, p]) => !next.has(p) && trainers.has(modelId)).map(([modelId]) => modelId);
    for (const modelId of gone) partitionOf.delete(modelId);
    await Promise.all(gone.map((modelId) => release(modelId, true)));
    const added = [...next].filter((p) => !previous?.has(p));
    const models = (
      await Promise.all(
        added.map(async (p) => (await readdir(join(partitionsDir, String(p))).catch(() => [] as string[])).map((m) => [m, p] as const)),
      )
    ).flat();
    // A few at a time: each open reads its log and checkpoint and builds the model.
    for (let at = 0; at < models.length; at += 4) {
      await Promise.all(
        models.slice(at, at + 4).map(([modelId, p]) =>
          assigned?.has(p) === true && !trainers.has(modelId)
            ? trainerOf(modelId, p).catch((err: unknown) =>
                deps.logger.warn('resuming a model failed; its next event retries', {
                  model: modelId,
                  error: err instanceof Error ? err.message : String(err),
                }),
              )
            : undefined,
        ),
      );
    }
  };

  const onAssigned = (partitions: readonly number[]): void => {
    const previous = assigned;
    const next = new Set(partitions);
    assigned = next;
    fenced.clear();
    deps.logger.info('trainer partitions assigned', { replica, partitions });
    reconciling = reconciling
      .then(() => reconcile(previous, next))
      .catch((err: unknown) =>
        deps.logger.error('applying a partition assignment failed', { error: err instanceof Error ? err.message : String(err) }),
      );
  };

  /** The open trainer if this replica trains the model; every model is opened when it owns them all. */
  const localTrainer = async (modelId: string): Promise<ModelTrainer | undefined> =>
    assigned === undefined ? trainerOf(modelId) : trainers.get(modelId)?.catch(() => undefined);

  /** A featurizer for validating a model's inputs on a replica that does not train it. */
  const featurizerOf = (record: ModelRecord): Promise<InputFeaturizer> => {
    let hit = featurizers.get(record.modelId);
    if (hit === undefined) {
      hit = InputFeaturizer.create(defineModel(record.base, record.strategy.options).input, deps.executor, modelsDir);
      hit.catch(() => featurizers.delete(record.modelId));
      featurizers.set(record.modelId, hit);
    }
    return hit;
  };

  const partitionFor = (ctx: EventContext): number | undefined => (assigned === undefined ? undefined : ctx.partition);

  /** The model's record if `tenant` owns it; another tenant's model is not found, exactly like a missing one. */
  const requireModel = async (modelId: string, tenant: string): Promise<ModelRecord> => {
    const problem = modelIdProblem(modelId);
    if (problem !== undefined) throw new InvalidArgumentError(problem);
    const record = await store.findModel(modelId);
    if (record === undefined || ownerOf(record) !== tenant) throw modelNotFound(modelId);
    return record;
  };

  const createModel = async (req: CreateModelRequest, tenant: string) => {
    const spec = req.spec;
    const problems: string[] = [];
    const idProblem = modelIdProblem(req.modelId);
    if (idProblem !== undefined) problems.push(idProblem);
    if (spec === undefined) problems.push('spec is required');
    // Labels are optional: a model learns its classes as samples with new labels arrive.
    const labels = spec?.labels ?? [];
    if (labels.length > maxLabels) problems.push(`spec.labels holds ${labels.length} labels; the limit is ${maxLabels} (MNEME_MAX_LABELS)`);
    else {
      labels.forEach((l, i) => {
        const problem = labelNameProblem(l);
        if (problem !== undefined) problems.push(`spec.labels[${i}]: ${problem}`);
      });
      // A set, not indexOf: quadratic in the label count, 10,000 labels took seconds.
      const seen = new Set<string>();
      const dup = labels.find((l) => seen.has(l) || !seen.add(l));
      if (dup !== undefined) problems.push(`spec.labels repeats '${dup}'`);
    }
    if ((spec?.strategy?.name ?? '') === '') problems.push('spec.strategy.name is required (e.g. mir, er, naive)');
    const scenario = spec === undefined ? undefined : SCENARIOS[spec.scenario];
    if (spec !== undefined && scenario === undefined) problems.push(`spec.scenario ${spec.scenario} is not a known scenario kind`);
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const record: ModelRecord = {
      modelId: req.modelId,
      base: spec!.base,
      scenario: scenario!,
      strategy: { name: spec!.strategy!.name, options: { ...spec!.strategy!.options } },
      labels: [...labels],
      seed: Number(spec!.seed),
      createdAt: Date.now(),
      // The default tenant is left implicit, so records of an open stack stay as they were.
      ...(tenant === DEFAULT_TENANT ? {} : { tenant }),
    };
    // Build first: a bad base, strategy or option fails here, before anything is stored.
    const runtime = await buildModelRuntime(record, deps.executor, modelsDir);
    await store.createModel(record);
    const existing = (await store.listVersions(record.modelId)).find((v) => v.version === 1);
    const version =
      existing ??
      (await store.saveVersion(record.modelId, runtime.strategy.saveState(), { trainedThrough: -1, samplesSeen: 0, version: 1 }));
    await announce(version, 'created');
    return { version: versionToWire(version) };
  };

  const publishSamples = async (record: ModelRecord, samples: readonly TrainingSample[]) => {
    for (let at = 0; at < samples.length; at += samplesPerEvent) {
      await publishEvent(deps.bus, 'samples', {
        header: newEventHeader({ modelId: record.modelId, producer: 'trainer', tenant: ownerOf(record) }),
        samples: samples.slice(at, at + samplesPerEvent),
      });
    }
  };

  /**
   * A model whose stored state is damaged stops alone: its events are dead-lettered with the
   * reason (to replay after the repair) instead of being retried, which on Kafka would hold back
   * every other model of the partition.
   */
  const setAsideIfDamaged =
    (modelId: string) =>
    (err: unknown): never => {
      if (err instanceof DamagedStateError)
        throw new InvalidArgumentError(
          `model '${modelId}' is stopped until its stored state is repaired, so this event is set aside (replay it from the dead-letter topic after the repair): ${err.message}`,
        );
      throw err;
    };

  const binding = defineService(TrainerServiceService, {
    createModel: (req, ctx) => createModel(req, ctx.principal.tenant),
    ingest: async (req, ctx) => {
      const record = await requireModel(req.modelId, ctx.principal.tenant);
      const problems: string[] = [];
      problems.push(...countProblems('samples', req.samples.length, 'maxSamplesPerRequest', limits));
      if (problems.length > 0) throw new InvalidArgumentError(problems);
      const ids = new Set<string>();
      req.samples.forEach((s, i) => {
        const id = s.sample?.sampleId ?? '';
        problems.push(...sampleBoundProblems(`samples[${i}].sample`, s.sample, limits));
        problems.push(...experienceIndexProblems(`samples[${i}].experience.experience_index`, s.experience?.experienceIndex ?? 0, limits));
        if (id !== '' && ids.has(id)) problems.push(`samples[${i}]: sample_id '${id}' repeats within the request`);
        ids.add(id);
        const labelProblem = labelNameProblem(s.sample?.label ?? '');
        if (labelProblem !== undefined) problems.push(`samples[${i}]: ${labelProblem}`);
        if (s.experience?.modelId !== req.modelId) problems.push(`samples[${i}]: experience.model_id must be '${req.modelId}'`);
        if (s.sample?.input?.kind === undefined) problems.push(`samples[${i}]: input is missing`);
      });
      // The first problems are enough to fix a request; a list of 10,000 would only be cut.
      if (problems.length > 0) throw new InvalidArgumentError(problems.slice(0, 20));
      const trainer = await localTrainer(req.modelId);
      // New labels add classes, up to the limit (the stored table when another replica trains the model).
      const known = trainer?.labels ?? (await ModelTrainer.storedLabels(store.stateDir(req.modelId, 'trainer'), record.labels));
      const limit = labelLimitProblem(
        known,
        req.samples.map((s) => s.sample!.label),
        maxLabels,
      );
      if (limit !== undefined) throw new InvalidArgumentError(limit);
      // Every input is checked here, in full (kind, shape, finiteness, empty texts), before anything is
      // published: the samples topic is the trainer's own, and its consumer trusts it (it featurises
      // each sample once, and logs the feature rows).
      const featurizer = trainer?.runtime.featurizer ?? (await featurizerOf(record));
      featurizer.check(
        req.samples.map((s) => s.sample?.input),
        'sample',
      );
      // Repeats are told apart here: logged ones when this replica trains the model, and ones this
      // process took in recently or still has in flight; the log's owner drops any other repeat.
      const repeated = (id: string) => (trainer?.hasSample(id) ?? false) || ingestIds.has(req.modelId, id);
      const duplicates = req.samples.filter((s) => repeated(s.sample!.sampleId)).map((s) => s.sample!.sampleId);
      const fresh = req.samples.filter((s) => !repeated(s.sample!.sampleId));
      // Answers once the samples are durable: logged by the trainer (in-process bus) or acknowledged by Kafka.
      await ingestIds.track(
        req.modelId,
        fresh.map((s) => s.sample!.sampleId),
        () => publishSamples(record, fresh),
      );
      deps.metrics.samplesIngested.inc({ model: req.modelId }, fresh.length);
      return { accepted: fresh.length, duplicateIds: duplicates };
    },
    closeExperience: async (req, ctx) => {
      const ref = req.experience;
      if (ref === undefined) throw new InvalidArgumentError('experience is required');
      const record = await requireModel(ref.modelId, ctx.principal.tenant);
      const sampleCount = Number(req.sampleCount);
      const problems = [
        ...experienceIndexProblems('experience.experience_index', ref.experienceIndex, limits),
        ...[limitProblem('sample_count', sampleCount, 'maxExperienceSamples', limits)].filter((p) => p !== undefined),
      ];
      if (problems.length > 0) throw new InvalidArgumentError(problems);
      // Where this replica trains the model it knows which experiences ended: a repeated close (a
      // retry) is answered without announcing the experience again, so the distiller does not distil
      // it twice or wait for samples that will never come.
      const loop = (await localTrainer(ref.modelId))?.status().loop;
      if (loop !== undefined && ref.experienceIndex <= loop.closedThrough && !(loop.open && ref.experienceIndex === loop.current))
        return { sampleCount: req.sampleCount };
      await publishEvent(deps.bus, 'experienceClosed', {
        header: newEventHeader({ modelId: ref.modelId, producer: 'trainer', tenant: ownerOf(record) }),
        experience: ref,
        sampleCount: req.sampleCount,
        dataUri: '',
      });
      return { sampleCount: req.sampleCount };
    },
    getTrainingStatus: async (req, ctx) => {
      const record = await requireModel(req.modelId, ctx.principal.tenant);
      const trainer = await localTrainer(req.modelId);
      // Another replica trains it: report the stored progress (its owner's last checkpoint).
      const { loop, backlog, distillation, distillationFailures } = trainer?.status() ?? {
        ...(await ModelTrainer.storedStatus(store.stateDir(req.modelId, 'trainer'))),
        distillation: undefined,
        distillationFailures: [],
      };
      const versions = await store.listVersions(req.modelId);
      const replication = trainer?.memoryReplication?.status();
      return {
        modelId: req.modelId,
        strategy: { name: record.strategy.name, options: { ...record.strategy.options } },
        ...(loop.current >= 0 ? { currentExperience: { modelId: req.modelId, experienceIndex: loop.current } } : {}),
        samplesTrained: loop.samplesTrained,
        optimizerSteps: loop.steps,
        backlog,
        ...(distillation === undefined
          ? {}
          : {
              distillation: {
                experience: { modelId: req.modelId, experienceIndex: distillation.experience },
                jobId: distillation.jobId,
                since: distillation.since / 1000,
                timeout: distillation.timeoutMs / 1000,
              },
            }),
        distillationFailures: distillationFailures.map((f) => ({
          experience: { modelId: req.modelId, experienceIndex: f.experience },
          reason: f.reason,
        })),
        ...(versions[0] === undefined ? {} : { latestVersion: versionToWire(versions[0]) }),
        ...(replication === undefined
          ? {}
          : {
              replayMemory: {
                held: replication.held,
                pending: replication.pending,
                resync: replication.resync,
                lastError: replication.lastError ?? '',
              },
            }),
      };
    },
    listModelVersions: async (req, ctx) => {
      await requireModel(req.modelId, ctx.principal.tenant);
      const all = await store.listVersions(req.modelId);
      const size = req.page?.pageSize || 50;
      const start = req.page?.pageToken ? Number(req.page.pageToken) : 0;
      if (!(Number.isInteger(start) && start >= 0))
        throw new InvalidArgumentError(`page_token '${req.page?.pageToken}' is not one this service issued`);
      const page = all.slice(start, start + size);
      return { versions: page.map(versionToWire), nextPageToken: start + size < all.length ? String(start + size) : '' };
    },
    forgetSamples: async (req, ctx) => {
      await requireModel(req.modelId, ctx.principal.tenant);
      const problems = idListProblems('sample_ids', req.sampleIds, limits);
      if (problems.length > 0) throw new InvalidArgumentError(problems);
      const trainer = await localTrainer(req.modelId);
      if (trainer === undefined) {
        // The tombstone must go into the owner's log; this replica may not write it.
        const owner = (await ModelLease.latest(store.stateDir(req.modelId, 'trainer')))?.replica ?? 'none yet';
        throw new MnemeError(
          'unavailable',
          `model '${req.modelId}' is trained by another trainer replica (${owner}); send ForgetSamples to that replica, or retry`,
        );
      }
      const { removed, positions } = await trainer.forget(req.sampleIds);
      const sets = await forgetElsewhere(req.modelId, req.sampleIds, {
        replication: trainer.memoryReplication,
        distillerAddress: deps.peers?.distiller?.(),
        tls: deps.peerTls,
        peer: { token: deps.serviceToken, tenant: ctx.principal.tenant },
      });
      // A version saw a sample when it was trained through a log position past it.
      const saw = (await store.listVersions(req.modelId)).filter(
        (v) => v.trainedThrough >= 0 && positions.some((p) => (v.logThrough ?? 0) > p),
      );
      return {
        forgottenIds: [...new Set(req.sampleIds)],
        versionsTrainedOnThem: saw.map((v) => ({ modelId: req.modelId, version: v.version })),
        unlearning: UNLEARNING[trainer.runtime.strategy.unlearning ?? 'excluded'],
        removedFromMemory: removed,
        syntheticSetsFromThem: sets,
      };
    },
    promoteModelVersion: async (req, ctx) => {
      const ref = req.model;
      if (ref === undefined) throw new InvalidArgumentError('model is required');
      await requireModel(ref.modelId, ctx.principal.tenant);
      const promoted = await store.promote(ref.modelId, Number(ref.version));
      await announce(promoted, 'promoted');
      return { version: versionToWire(promoted) };
    },
  });

  return {
    name: 'trainer',
    bindings: [binding],
    async start() {
      heartbeat = await ReplicaHeartbeat.start(replicasDir, replica, heartbeatMs);
      /** Checks that the event's model exists and that the event's tenant owns it (else it is dead-lettered). */
      const unknownModel = async (modelId: string, header: EventContext['header']) => {
        let owner = known.get(modelId);
        if (owner === undefined) {
          const record = await store.findModel(modelId);
          if (record === undefined)
            throw new InvalidArgumentError(`model '${modelId}' does not exist; create it before sending its samples`);
          owner = ownerOf(record);
          known.set(modelId, owner);
        }
        const tenant = eventTenant(header);
        if (tenant !== owner)
          throw new InvalidArgumentError(`event ${header.eventId} acts for tenant '${tenant}', which does not own model '${modelId}'`);
      };
      // One co-partitioned subscription: a model's samples and closes reach the replica that owns it.
      subscription = await consumeEventsTogether(
        deps.bus,
        {
          samples: async (event, ctx) => {
            await unknownModel(ctx.key, ctx.header);
            const trainer = await trainerOf(ctx.key, partitionFor(ctx)).catch(setAsideIfDamaged(ctx.key));
            if (trainer.hasEvent(ctx.header.eventId)) {
              deps.metrics.events.inc({ service: 'trainer', topic: 'samples', outcome: 'duplicate' });
              return;
            }
            const far = event.samples
              .flatMap((s, i) =>
                experienceIndexProblems(`samples[${i}].experience.experience_index`, s.experience?.experienceIndex ?? 0, limits),
              )
              .slice(0, 5);
            if (far.length > 0) throw new InvalidArgumentError(far);
            const { appended, duplicates } = await trainer.appendSamples(event.samples, ctx.header.eventId);
            deps.metrics.events.inc({ service: 'trainer', topic: 'samples', outcome: 'applied' });
            if (duplicates.length > 0)
              deps.logger.info('dropped repeated samples', { model: ctx.key, appended, duplicates: duplicates.length });
          },
          experienceClosed: async (event, ctx) => {
            await unknownModel(ctx.key, ctx.header);
            const ref = event.experience;
            if (ref === undefined || ref.modelId !== ctx.key)
              throw new InvalidArgumentError(`experience-closed names model '${ref?.modelId ?? ''}', its key is '${ctx.key}'`);
            // A foreign producer is bounded as CloseExperience is (the event is dead-lettered, not logged).
            const far = [
              ...experienceIndexProblems('experience_index', ref.experienceIndex, limits),
              ...[limitProblem('sample_count', Number(event.sampleCount), 'maxExperienceSamples', limits)].filter((p) => p !== undefined),
            ];
            if (far.length > 0) throw new InvalidArgumentError(far);
            const trainer = await trainerOf(ctx.key, partitionFor(ctx)).catch(setAsideIfDamaged(ctx.key));
            if (trainer.hasEvent(ctx.header.eventId)) {
              deps.metrics.events.inc({ service: 'trainer', topic: 'experience-closed', outcome: 'duplicate' });
              return;
            }
            await trainer.appendClose(ref.experienceIndex, Number(event.sampleCount), ctx.header.eventId);
            deps.metrics.events.inc({ service: 'trainer', topic: 'experience-closed', outcome: 'applied' });
          },
        },
        // persists: the trainer logs samples and closes durably, so in-process Ingest waits for it.
        {
          group: 'trainer',
          applied: LOGGED_WITH_THE_MODEL,
          producer: 'trainer',
          onDeadLetter: deadLetterCounter(deps.metrics, 'trainer'),
          onAssigned,
          concurrency: options.concurrentPartitions ?? 8,
          persists: true,
        },
      );
      // No partitions reported: this replica owns every model; resume those with trainer state.
      if (assigned === undefined) {
        for (const modelId of await store.listModels()) {
          if ((await ModelLease.latest(store.stateDir(modelId, 'trainer'))) === undefined) continue;
          // A model whose state is damaged stops alone (its calls answer why); the others train.
          await trainerOf(modelId).catch((err: unknown) =>
            deps.logger.error('model not resumed: its stored state is damaged; it stays stopped until repaired', {
              model: modelId,
              reason: MnemeError.from(err).message,
            }),
          );
        }
      }
    },
    async stop() {
      stopping = true;
      // Leave the group first: the partitions' next owners wait for the releases that follow.
      await subscription?.close();
      subscription = undefined;
      await reconciling;
      await Promise.all([...trainers.keys()].map((modelId) => release(modelId, true)));
      await Promise.all([...closing.values()]);
      await heartbeat?.stop();
      heartbeat = undefined;
      pools.close();
    },
    async drained(modelId: string) {
      const trainer = trainers.get(modelId);
      if (trainer === undefined) throw new NotFoundError(`no trainer is open for model '${modelId}'`);
      await (await trainer).drained();
    },
    owned: () => [...trainers.keys()].sort(),
  };
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
