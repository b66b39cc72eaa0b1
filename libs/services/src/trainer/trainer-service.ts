import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { ScenarioKind, TrainerServiceService, Unlearning, type CreateModelRequest, type TrainingSample } from '@mneme/contracts';
import { InvalidArgumentError, NotFoundError } from '@mneme/errors';
import { consumeEvents, FileAppliedEvents, newEventHeader, publishEvent, type Subscription } from '@mneme/events';
import { FileModelStore, modelIdProblem, type ModelRecord, type ScenarioKind as StoreScenario, type VersionRecord } from '@mneme/model-store';
import { defineService } from '@mneme/rpc';
import { buildModelRuntime } from '../models/model-runtime.js';
import { labelLimitProblem, labelNameProblem } from '../models/label-names.js';
import { DEFAULT_SERVICE_LIMITS, type ServiceDeps, type ServiceModule } from '../runtime/service-module.js';
import { ModelTrainer } from './model-trainer.js';
import { versionToWire } from './version-wire.js';

/** Options of the trainer beyond the shared service deps. */
export interface TrainerOptions {
  /** Folder of frozen encoders (the encoder model store). @default `${dataDir}/models` */
  readonly modelsDir?: string;
  /** Learn steps between checkpoints. @default 100 */
  readonly checkpointEvery?: number;
  /** Samples per published samples event. @default 500 */
  readonly samplesPerEvent?: number;
}

/** The trainer as hosted: its module plus handles tests and the embedded stack use. */
export interface TrainerModule extends ServiceModule {
  /** Resolves when every logged record of the model has been trained on. */
  drained(modelId: string): Promise<void>;
}

const MAX_INGEST = 10_000;
const UNLEARNING = { exact: Unlearning.UNLEARNING_EXACT, retrained: Unlearning.UNLEARNING_RETRAINED, excluded: Unlearning.UNLEARNING_EXCLUDED_FROM_NEXT } as const;
const SCENARIOS: Readonly<Partial<Record<ScenarioKind, StoreScenario>>> = {
  [ScenarioKind.SCENARIO_KIND_UNSPECIFIED]: 'class-incremental',
  [ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL]: 'class-incremental',
  [ScenarioKind.SCENARIO_KIND_TASK_INCREMENTAL]: 'task-incremental',
  [ScenarioKind.SCENARIO_KIND_DOMAIN_INCREMENTAL]: 'domain-incremental',
};

/**
 * The trainer: creates models, accepts samples (published to the samples topic, keyed by model),
 * consumes them into each model's durable log, trains with the model's strategy, and publishes
 * model-updated for every version (the untrained one and one per ended experience).
 */
export async function createTrainerService(deps: ServiceDeps, options: TrainerOptions = {}): Promise<TrainerModule> {
  const store = new FileModelStore(join(deps.dataDir, 'models-store'));
  const modelsDir = options.modelsDir ?? deps.modelsDir ?? join(deps.dataDir, 'models');
  const trainerDir = join(deps.dataDir, 'trainer');
  const samplesPerEvent = options.samplesPerEvent ?? 500;
  const { maxLabels } = deps.limits ?? DEFAULT_SERVICE_LIMITS;
  const trainers = new Map<string, Promise<ModelTrainer>>();
  const subscriptions: Subscription[] = [];
  let applied: FileAppliedEvents | undefined;

  const announce = async (version: VersionRecord, reason: string): Promise<void> => {
    await publishEvent(deps.bus, 'modelUpdated', {
      // A deterministic id: announcing the same version again (after a crash) is a duplicate.
      header: newEventHeader({ modelId: version.modelId, producer: 'trainer', eventId: `model-updated:${version.modelId}:${version.version}:${version.state}` }),
      version: versionToWire(version),
      reason,
    });
  };

  const trainerOf = (modelId: string): Promise<ModelTrainer> => {
    let hit = trainers.get(modelId);
    if (hit === undefined) {
      hit = ModelTrainer.open(modelId, {
        store,
        executor: deps.executor,
        modelsDir,
        dir: join(trainerDir, modelId),
        metrics: deps.metrics,
        logger: deps.logger,
        checkpointEvery: options.checkpointEvery ?? 100,
        maxLabels,
        ...(deps.peers?.distiller === undefined ? {} : { distillerAddress: deps.peers.distiller }),
        distillTimeoutMs: deps.distillTimeoutMs ?? 600_000,
        announce,
      });
      hit.catch(() => trainers.delete(modelId));
      trainers.set(modelId, hit);
    }
    return hit;
  };

  const requireModel = async (modelId: string): Promise<ModelRecord> => {
    const problem = modelIdProblem(modelId);
    if (problem !== undefined) throw new InvalidArgumentError(problem);
    return store.getModel(modelId);
  };

  const createModel = async (req: CreateModelRequest) => {
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
      const dup = labels.find((l, i) => labels.indexOf(l) !== i);
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
    };
    // Build first: a bad base, strategy or option fails here, before anything is stored.
    const runtime = await buildModelRuntime(record, deps.executor, modelsDir);
    await store.createModel(record);
    const existing = (await store.listVersions(record.modelId)).find((v) => v.version === 1);
    const version = existing ?? (await store.saveVersion(record.modelId, runtime.strategy.saveState(), { trainedThrough: -1, samplesSeen: 0, version: 1 }));
    await announce(version, 'created');
    return { version: versionToWire(version) };
  };

  const publishSamples = async (modelId: string, samples: readonly TrainingSample[]) => {
    for (let at = 0; at < samples.length; at += samplesPerEvent) {
      await publishEvent(deps.bus, 'samples', { header: newEventHeader({ modelId, producer: 'trainer' }), samples: samples.slice(at, at + samplesPerEvent) });
    }
  };

  const binding = defineService(TrainerServiceService, {
    createModel,
    ingest: async (req) => {
      await requireModel(req.modelId);
      const problems: string[] = [];
      if (req.samples.length === 0 || req.samples.length > MAX_INGEST) problems.push(`samples must hold 1..${MAX_INGEST} samples, got ${req.samples.length}`);
      const ids = new Set<string>();
      req.samples.forEach((s, i) => {
        const id = s.sample?.sampleId ?? '';
        if (id === '') problems.push(`samples[${i}]: sample_id is empty`);
        else if (ids.has(id)) problems.push(`samples[${i}]: sample_id '${id}' repeats within the request`);
        ids.add(id);
        const labelProblem = labelNameProblem(s.sample?.label ?? '');
        if (labelProblem !== undefined) problems.push(`samples[${i}]: ${labelProblem}`);
        if (s.experience?.modelId !== req.modelId) problems.push(`samples[${i}]: experience.model_id must be '${req.modelId}'`);
        if (s.sample?.input?.kind === undefined) problems.push(`samples[${i}]: input is missing`);
      });
      if (problems.length > 0) throw new InvalidArgumentError(problems);
      const trainer = await trainerOf(req.modelId);
      // New labels add classes, up to the limit.
      const limit = labelLimitProblem(trainer.labels, req.samples.map((s) => s.sample!.label), maxLabels);
      if (limit !== undefined) throw new InvalidArgumentError(limit);
      // Inputs are checked in full (shape, finiteness) before anything is published.
      await trainer.runtime.featurizer.featurize(
        req.samples.filter((s) => s.sample?.input?.kind?.$case !== 'text').map((s) => s.sample?.input),
        'sample',
      );
      const duplicates = req.samples.filter((s) => trainer.hasSample(s.sample!.sampleId)).map((s) => s.sample!.sampleId);
      const fresh = req.samples.filter((s) => !trainer.hasSample(s.sample!.sampleId));
      await publishSamples(req.modelId, fresh);
      return { accepted: fresh.length, duplicateIds: duplicates };
    },
    closeExperience: async (req) => {
      const ref = req.experience;
      if (ref === undefined) throw new InvalidArgumentError('experience is required');
      await requireModel(ref.modelId);
      await publishEvent(deps.bus, 'experienceClosed', {
        header: newEventHeader({ modelId: ref.modelId, producer: 'trainer' }),
        experience: ref,
        sampleCount: req.sampleCount,
        dataUri: '',
      });
      return { sampleCount: req.sampleCount };
    },
    getTrainingStatus: async (req) => {
      const record = await requireModel(req.modelId);
      const trainer = await trainerOf(req.modelId);
      const { loop, backlog, distillation, distillationFailures } = trainer.status();
      const versions = await store.listVersions(req.modelId);
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
        distillationFailures: distillationFailures.map((f) => ({ experience: { modelId: req.modelId, experienceIndex: f.experience }, reason: f.reason })),
        ...(versions[0] === undefined ? {} : { latestVersion: versionToWire(versions[0]) }),
      };
    },
    listModelVersions: async (req) => {
      await requireModel(req.modelId);
      const all = await store.listVersions(req.modelId);
      const size = req.page?.pageSize || 50;
      const start = req.page?.pageToken ? Number(req.page.pageToken) : 0;
      if (!(Number.isInteger(start) && start >= 0)) throw new InvalidArgumentError(`page_token '${req.page?.pageToken}' is not one this service issued`);
      const page = all.slice(start, start + size);
      return { versions: page.map(versionToWire), nextPageToken: start + size < all.length ? String(start + size) : '' };
    },
    forgetSamples: async (req) => {
      await requireModel(req.modelId);
      const problems: string[] = [];
      if (req.sampleIds.length === 0 || req.sampleIds.length > MAX_INGEST) problems.push(`sample_ids must hold 1..${MAX_INGEST} ids, got ${req.sampleIds.length}`);
      const empty = req.sampleIds.findIndex((id) => id === '');
      if (empty >= 0) problems.push(`sample_ids[${empty}] is empty`);
      if (problems.length > 0) throw new InvalidArgumentError(problems);
      const trainer = await trainerOf(req.modelId);
      const { removed, positions } = await trainer.forget(req.sampleIds);
      // A version saw a sample when it was trained through a log position past it.
      const saw = (await store.listVersions(req.modelId)).filter((v) => v.trainedThrough >= 0 && positions.some((p) => (v.logThrough ?? 0) > p));
      return {
        forgottenIds: [...new Set(req.sampleIds)],
        versionsTrainedOnThem: saw.map((v) => ({ modelId: req.modelId, version: v.version })),
        unlearning: UNLEARNING[trainer.runtime.strategy.unlearning ?? 'excluded'],
        removedFromMemory: removed,
      };
    },
    promoteModelVersion: async (req) => {
      const ref = req.model;
      if (ref === undefined) throw new InvalidArgumentError('model is required');
      await requireModel(ref.modelId);
      const promoted = await store.promote(ref.modelId, Number(ref.version));
      await announce(promoted, 'promoted');
      return { version: versionToWire(promoted) };
    },
  });

  return {
    name: 'trainer',
    bindings: [binding],
    async start() {
      applied = await FileAppliedEvents.open(join(trainerDir, 'applied-events.log'));
      const unknownModel = async (modelId: string) => {
        if ((await store.findModel(modelId)) === undefined) throw new InvalidArgumentError(`model '${modelId}' does not exist; create it before sending its samples`);
      };
      subscriptions.push(
        await consumeEvents(deps.bus, 'samples', {
          group: 'trainer',
          applied,
          producer: 'trainer',
          handler: async (event, ctx) => {
            await unknownModel(ctx.key);
            const trainer = await trainerOf(ctx.key);
            const { appended, duplicates } = await trainer.appendSamples(event.samples);
            deps.metrics.events.inc({ service: 'trainer', topic: 'samples', outcome: 'applied' });
            if (duplicates.length > 0) deps.logger.info('dropped repeated samples', { model: ctx.key, appended, duplicates: duplicates.length });
          },
        }),
        await consumeEvents(deps.bus, 'experienceClosed', {
          group: 'trainer',
          applied,
          producer: 'trainer',
          handler: async (event, ctx) => {
            await unknownModel(ctx.key);
            const ref = event.experience;
            if (ref === undefined || ref.modelId !== ctx.key) throw new InvalidArgumentError(`experience-closed names model '${ref?.modelId ?? ''}', its key is '${ctx.key}'`);
            await (await trainerOf(ctx.key)).appendClose(ref.experienceIndex, Number(event.sampleCount));
            deps.metrics.events.inc({ service: 'trainer', topic: 'experience-closed', outcome: 'applied' });
          },
        }),
      );
      // Resume models that have a log here: their pumps continue from their checkpoints.
      for (const modelId of await store.listModels()) {
        if (await hasTrainerState(join(trainerDir, modelId))) await trainerOf(modelId);
      }
    },
    async stop() {
      for (const s of subscriptions.splice(0)) await s.close();
      await applied?.close();
      applied = undefined;
      for (const t of trainers.values()) await (await t.catch(() => undefined))?.close();
      trainers.clear();
    },
    async drained(modelId: string) {
      const trainer = trainers.get(modelId);
      if (trainer === undefined) throw new NotFoundError(`no trainer is open for model '${modelId}'`);
      await (await trainer).drained();
    },
  };
}

async function hasTrainerState(dir: string): Promise<boolean> {
  return access(join(dir, 'samples.log')).then(
    () => true,
    () => false,
  );
}
