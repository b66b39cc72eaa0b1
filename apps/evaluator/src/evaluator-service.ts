import { join } from 'node:path';
import { EvaluatorServiceService, type AccuracyRow, type ContinualMetrics, type EvaluationSample } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';
import { consumeEvents, FileAppliedEvents, newEventHeader, publishEvent, type Subscription } from '@mneme/events';
import { describeDefinition, rowAccuracy } from '@mneme/metrics';
import { FileModelStore, modelIdProblem, writeFileAtomic, type VersionRecord } from '@mneme/model-store';
import { defineService } from '@mneme/rpc';
import { AccuracyLedger, type LedgerMetrics, type LedgerSnapshot } from '@mneme/streaming';
import { readFile } from 'node:fs/promises';
import { buildModelRuntime, type ContinualMetricName, type ModelRuntime, deadLetterCounter } from '@mneme/service-runtime';
import { labelLimitProblem, labelNameProblem } from '@mneme/service-runtime';
import { ModelOwners, ServedPools } from '@mneme/service-runtime';
import {
  countProblems,
  DEFAULT_SERVICE_LIMITS,
  experienceIndexProblems,
  sampleBoundProblems,
  type ServiceDeps,
  type ServiceLimits,
  type ServiceModule,
} from '@mneme/service-runtime';
import { HeldOutSets } from './held-out-sets.js';

/** Options of the evaluator beyond the shared service deps. */
export interface EvaluatorOptions {
  /** Folder of frozen encoders. @default `${dataDir}/models` */
  readonly modelsDir?: string;
}

/** The evaluator as hosted, with a handle for tests and the embedded stack. */
export interface EvaluatorModule extends ServiceModule {
  /** The model's accuracy matrix so far. */
  matrix(
    modelId: string,
  ): Promise<{ rows: { after: number; row: number[] }[]; randomInit: number[] | undefined; metrics: LedgerMetrics | undefined }>;
}

interface ModelEvaluation {
  readonly runtime: ModelRuntime;
  readonly heldOut: HeldOutSets;
  ledger: AccuracyLedger;
  evaluated: Record<string, number[]>;
  /** Featurized held-out sets by experience, with token ids for token-level strategies (dropped when a set grows). */
  readonly cache: Map<number, { features: Float32Array; tokens: number[][] | undefined; labels: readonly string[] }>;
}

/**
 * The evaluator: keeps each model's held-out sets, evaluates every version announced on
 * model-updated on all of them, appends its row to the model's accuracy matrix, and publishes
 * evaluation-completed with ACC, BWT, FWT and forgetting. Re-evaluating a version is idempotent.
 */
export async function createEvaluatorService(deps: ServiceDeps, options: EvaluatorOptions = {}): Promise<EvaluatorModule> {
  const store = new FileModelStore(join(deps.dataDir, 'models-store'));
  const modelsDir = options.modelsDir ?? deps.modelsDir ?? join(deps.dataDir, 'models');
  const root = join(deps.dataDir, 'evaluator');
  const limits = deps.limits ?? DEFAULT_SERVICE_LIMITS;
  const models = new Map<string, Promise<ModelEvaluation>>();
  // L2P versions are evaluated with the pool the prompt-pool service serves for them.
  const pools = new ServedPools(deps.peers?.promptPool, undefined, deps.peerTls, deps.serviceToken);
  const subscriptions: Subscription[] = [];
  let applied: FileAppliedEvents | undefined;
  // One evaluation at a time: they share runtimes and the ledger files.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  /** The newest version evaluated per model, and its metrics (`mneme_model_version`, `mneme_model_accuracy`). */
  const newestEvaluated = new Map<string, number>();
  const reportEvaluated = (version: VersionRecord, metrics: LedgerMetrics | undefined): void => {
    if (version.version > (newestEvaluated.get(version.modelId) ?? -1)) {
      newestEvaluated.set(version.modelId, version.version);
      deps.metrics.modelVersion.set({ service: 'evaluator', model: version.modelId }, version.version);
    }
    if (metrics === undefined) return;
    const values: Record<ContinualMetricName, number> = {
      acc: metrics.acc.value,
      bwt: metrics.bwt.value,
      fwt: metrics.fwt.value,
      forgetting: metrics.forgetting.value,
    };
    // A metric undefined so far (BWT and forgetting after one experience are NaN) has no series yet.
    for (const [metric, value] of Object.entries(values))
      if (Number.isFinite(value)) deps.metrics.modelAccuracy.set({ model: version.modelId, metric }, value);
  };

  const ledgerPath = (modelId: string) => join(root, modelId, 'ledger.json');

  const open = (modelId: string): Promise<ModelEvaluation> => {
    let hit = models.get(modelId);
    if (hit === undefined) {
      hit = (async () => {
        const problem = modelIdProblem(modelId);
        if (problem !== undefined) throw new InvalidArgumentError(problem);
        const record = await store.getModel(modelId);
        const runtime = await buildModelRuntime(record, deps.executor, modelsDir);
        const saved = await readFile(ledgerPath(modelId), 'utf8').then(
          (text) => JSON.parse(text) as { ledger: LedgerSnapshot; evaluated: Record<string, number[]> },
          () => undefined,
        );
        return {
          runtime,
          heldOut: new HeldOutSets(join(root, modelId, 'held-out')),
          ledger: saved === undefined ? new AccuracyLedger() : AccuracyLedger.from(saved.ledger),
          evaluated: saved?.evaluated ?? {},
          cache: new Map(),
        };
      })();
      hit.catch(() => models.delete(modelId));
      models.set(modelId, hit);
    }
    return hit;
  };

  const heldOutBatch = async (m: ModelEvaluation, experience: number) => {
    let hit = m.cache.get(experience);
    if (hit === undefined) {
      const samples = await m.heldOut.samples(experience);
      const inputs = samples.map((s) => s.sample?.input);
      const features = await m.runtime.featurizer.featurize(inputs, `held-out sample of experience ${experience}`);
      const tokens = m.runtime.tokens === undefined ? undefined : m.runtime.featurizer.tokenize(inputs);
      hit = { features, tokens, labels: samples.map((s) => s.sample?.label ?? '') };
      m.cache.set(experience, hit);
    }
    return hit;
  };

  const evaluate = (version: VersionRecord, again = false): Promise<{ row: number[]; metrics: LedgerMetrics | undefined }> =>
    serial(async () => {
      const m = await open(version.modelId);
      const experiences = await m.heldOut.experiences();
      const known = m.evaluated[String(version.version)];
      // Versions are immutable: a row is reused unless held-out sets were added since.
      if (!again && known !== undefined && known.length === experiences.length) return { row: known, metrics: m.ledger.metrics() };
      m.runtime.strategy.restoreState(
        await pools.apply(m.runtime.record, version.version, await store.loadVersionState(version.modelId, version.version)),
      );
      const row: number[] = [];
      const taskIncremental = m.runtime.record.scenario === 'task-incremental';
      // Classes are the version's labels: a held-out label the version has not learned is never predicted.
      const classOf = new Map(version.labels.map((l, c) => [l, c]));
      for (const e of experiences) {
        const { features, tokens, labels } = await heldOutBatch(m, e);
        const predicted = await m.runtime.strategy.predict(features, {
          ...(taskIncremental ? { taskId: e } : {}),
          ...(tokens === undefined ? {} : { tokens }),
        });
        row.push(rowAccuracy(predicted, labels, classOf).value);
      }
      if (version.trainedThrough < 0) m.ledger.setRandomInit(row);
      else m.ledger.setRow(version.trainedThrough, row);
      m.evaluated[String(version.version)] = row;
      await writeFileAtomic(ledgerPath(version.modelId), JSON.stringify({ ledger: m.ledger.snapshot(), evaluated: m.evaluated }));
      const metrics = m.ledger.metrics();
      reportEvaluated(version, metrics);
      return { row, metrics };
    });

  // A model's held-out sets and accuracies are its tenant's: another tenant gets NOT_FOUND.
  const owners = new ModelOwners(store);
  const binding = defineService(EvaluatorServiceService, {
    registerHeldOut: async (req, ctx) => {
      const ref = req.experience;
      if (ref === undefined) throw new InvalidArgumentError('experience is required');
      await owners.require(ref.modelId, ctx.principal.tenant);
      const m = await open(ref.modelId);
      const far = experienceIndexProblems('experience.experience_index', ref.experienceIndex, limits);
      if (far.length > 0) throw new InvalidArgumentError(far);
      checkHeldOut(req.samples, await m.heldOut.labels(), limits);
      await m.runtime.featurizer.featurize(
        req.samples.filter((s) => s.sample?.input?.kind?.$case !== 'text').map((s) => s.sample?.input),
        'held-out sample',
      );
      const total = await serial(async () => {
        m.cache.delete(ref.experienceIndex);
        return m.heldOut.add(ref.experienceIndex, req.samples);
      });
      // Rows of versions evaluated before this set existed (or grew) are computed again, so every
      // row covers every experience (FWT needs accuracies on experiences not trained yet).
      for (const v of Object.keys(m.evaluated)) await evaluate(await store.getVersion(ref.modelId, Number(v)), true);
      return { total };
    },
    evaluateVersion: async (req, ctx) => {
      const ref = req.model;
      if (ref === undefined) throw new InvalidArgumentError('model is required');
      await owners.require(ref.modelId, ctx.principal.tenant);
      await open(ref.modelId);
      const version = await store.getVersion(ref.modelId, Number(ref.version));
      const { row, metrics } = await evaluate(version);
      return { row: rowToWire(version, row), ...(metrics === undefined ? {} : { metrics: metricsToWire(metrics) }) };
    },
    getAccuracyMatrix: async (req, ctx) => {
      await owners.require(req.modelId, ctx.principal.tenant);
      const m = await open(req.modelId);
      const metrics = m.ledger.metrics();
      return {
        rows: m.ledger
          .orderedRows()
          .map(({ after, row }) => ({ model: { modelId: req.modelId, version: 0 }, afterExperience: after, accuracies: row })),
        ...(metrics === undefined ? {} : { metrics: metricsToWire(metrics) }),
        randomInitAccuracies: m.ledger.randomInitRow() ?? [],
      };
    },
  });

  return {
    name: 'evaluator',
    bindings: [binding],
    async start() {
      applied = await FileAppliedEvents.open(join(root, 'applied-events.log'));
      subscriptions.push(
        await consumeEvents(deps.bus, 'modelUpdated', {
          group: 'evaluator',
          applied,
          producer: 'evaluator',
          onDeadLetter: deadLetterCounter(deps.metrics, 'evaluator'),
          handler: async (event, ctx) => {
            const ref = event.version?.model;
            if (ref === undefined || ref.modelId !== ctx.key)
              throw new InvalidArgumentError(`model-updated names model '${ref?.modelId ?? ''}', its key is '${ctx.key}'`);
            await owners.checkEvent(ref.modelId, ctx.header);
            const version = await store.getVersion(ref.modelId, Number(ref.version));
            const { row, metrics } = await evaluate(version);
            deps.metrics.events.inc({ service: 'evaluator', topic: 'model-updated', outcome: 'applied' });
            if (version.trainedThrough < 0) return; // the untrained version gives b_j, not a row
            await publishEvent(deps.bus, 'evaluationCompleted', {
              header: newEventHeader({
                modelId: ref.modelId,
                producer: 'evaluator',
                eventId: `evaluation-completed:${ref.modelId}:${version.version}`,
                tenant: ctx.header.tenant,
              }),
              row: rowToWire(version, row),
              ...(metrics === undefined ? {} : { metrics: metricsToWire(metrics) }),
            });
          },
        }),
      );
    },
    async stop() {
      for (const s of subscriptions.splice(0)) await s.close();
      await applied?.close();
      applied = undefined;
      await queue;
      pools.close();
    },
    async matrix(modelId: string) {
      const m = await open(modelId);
      return { rows: m.ledger.orderedRows(), randomInit: m.ledger.randomInitRow(), metrics: m.ledger.metrics() };
    },
  };
}

/**
 * Held-out samples may name labels the model has not learned yet (it may learn them later); their
 * names must be valid, and all held-out sets together name at most `maxLabels` labels.
 */
function checkHeldOut(samples: readonly EvaluationSample[], known: ReadonlySet<string>, limits: ServiceLimits): void {
  const problems = countProblems('samples', samples.length, 'maxSamplesPerRequest', limits);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  samples.forEach((s, i) => {
    problems.push(...sampleBoundProblems(`samples[${i}].sample`, s.sample, limits));
    const problem = labelNameProblem(s.sample?.label ?? '');
    if (problem !== undefined) problems.push(`samples[${i}]: ${problem}`);
    if (s.sample?.input?.kind === undefined) problems.push(`samples[${i}]: input is missing`);
  });
  const limit = labelLimitProblem(
    known,
    samples.map((s) => s.sample?.label ?? ''),
    limits.maxLabels,
  );
  if (limit !== undefined) problems.push(`held-out sets: ${limit}`);
  if (problems.length > 0) throw new InvalidArgumentError(problems.slice(0, 20));
}

function rowToWire(version: VersionRecord, row: number[]): AccuracyRow {
  return {
    model: { modelId: version.modelId, version: version.version },
    afterExperience: Math.max(0, version.trainedThrough),
    accuracies: row,
  };
}

function metricsToWire(m: LedgerMetrics): ContinualMetrics {
  return {
    acc: m.acc.value,
    bwt: m.bwt.value,
    fwt: m.fwt.value,
    forgetting: m.forgetting.value,
    definitions: {
      acc: describeDefinition(m.acc.definition),
      bwt: describeDefinition(m.bwt.definition),
      fwt: describeDefinition(m.fwt.definition),
      forgetting: describeDefinition(m.forgetting.definition),
    },
  };
}
