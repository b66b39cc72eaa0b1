import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  DistillerServiceService,
  JobState,
  type DistillationSpec,
  type EventHeader,
  type DistillNetworkSpec,
  type ExperienceRef,
  type ModelRef,
  type RealSamples,
} from '@mneme/contracts';
import { consumeEvents, FileAppliedEvents, type Subscription } from '@mneme/events';
import { InvalidArgumentError, MnemeError, NotFoundError } from '@mneme/errors';
import { Distiller, mlpDistillNetwork, STRATEGY_CAPABILITIES, type DistilledSet } from '@mneme/methods';
import { FileModelStore, modelIdProblem } from '@mneme/model-store';
import { DEFAULT_TENANT, defineService } from '@mneme/rpc';
import {
  DEFAULT_SERVICE_LIMITS,
  eventTenant,
  experienceIndexProblems,
  idListProblems,
  idProblems,
  ModelOwners,
  ResourceOwners,
  type ServiceDeps,
  type ServiceModule,
  deadLetterCounter,
} from '@mneme/service-runtime';
import { checkSpecBounds, distillOptions, networkSpecOf, realSamplesOf, specWithDefaults } from './distill-spec.js';
import { DistillJobs, type JobRecord } from './distill-jobs.js';
import { mlpNetworks, type NetworkSource } from './network-source.js';
import { SampleBuffer } from './sample-buffer.js';
import { SetFiles } from './set-files.js';
import { provenanceSpec, syntheticSetToWire } from './synthetic-set-wire.js';

/** Options of {@link createDistillerService}. */
export interface DistillerOptions {
  /** The network each set is optimised for. @default an MLP with one hidden layer of 100 */
  readonly networks?: NetworkSource;
  /** Spec of the jobs started by experience-closed events. @default K = 10, bi-level, 500 outer steps, real init */
  readonly eventSpec?: Partial<DistillationSpec>;
}

const DEFAULT_PAGE = 100;
// Job ids this service issues: a UUID, or `experience-closed-<event id>`.
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
/** Deliveries of an experience-closed event while its samples are still arriving (≈ 2 min of backoff). */
const CLOSED_EVENT_ATTEMPTS = 20;

/**
 * The distiller service (distiller.proto). Consumes `samples` (group `distiller`) into a durable
 * buffer per model and experience, and on `experience-closed` distils that experience (except for
 * `distill` models, whose trainer starts the job itself with the experience's rows, its network and
 * its settings, and replays the set); the RPCs start, watch and fetch runs. Jobs run in the background one at a time;
 * synthetic sets are versioned artefacts under `<dataDir>/distiller/sets/`.
 */
export async function createDistillerService(deps: ServiceDeps, options: DistillerOptions = {}): Promise<ServiceModule> {
  const root = join(deps.dataDir, 'distiller');
  const buffer = new SampleBuffer(join(root, 'buffers'));
  const sets = new SetFiles(join(root, 'sets'));
  const jobs = await DistillJobs.open(join(root, 'jobs'));
  const networks = options.networks ?? mlpNetworks([100]);
  const models = new FileModelStore(join(deps.dataDir, 'models-store'));
  const limits = deps.limits ?? DEFAULT_SERVICE_LIMITS;
  const subscriptions: Subscription[] = [];
  let applied: FileAppliedEvents | undefined;
  // A model's synthetic sets belong to the tenant that first distilled for it (for a trainer: the
  // model's owner it acts for); other tenants see none of them, as for a model never distilled.
  const owners = new ResourceOwners((modelId) => join(root, 'owners', modelId));
  const modelOwners = new ModelOwners(models);
  const owns = async (modelId: string, tenant: string): Promise<boolean> => (await owners.ownerOf(modelId)) === tenant;
  /** Dead-letters (invalid-argument) an event whose tenant does not own its model, when the model store knows the model. */
  const checkEventTenant = async (header: EventHeader): Promise<void> => {
    const owner = await modelOwners.ownerOf(header.modelId).catch(() => undefined);
    if (owner !== undefined && owner !== eventTenant(header))
      throw new InvalidArgumentError(
        `event ${header.eventId} acts for tenant '${eventTenant(header)}', which does not own model '${header.modelId}'`,
      );
  };

  /** Validates a request, then queues its job; returns at once. */
  const startJob = async (
    experience: ExperienceRef | undefined,
    model: ModelRef | undefined,
    requested: DistillationSpec | undefined,
    jobId: string,
    tenant: string,
    inline: { real?: RealSamples | undefined; network?: DistillNetworkSpec | undefined } = {},
  ): Promise<JobRecord> => {
    const modelId = experience?.modelId ?? '';
    const problems = [modelIdProblem(modelId)].filter((p) => p !== undefined);
    if (model !== undefined && model.modelId !== '' && model.modelId !== modelId)
      problems.push(`model.model_id '${model.modelId}' differs from experience.model_id '${modelId}'`);
    problems.push(...experienceIndexProblems('experience.experience_index', experience?.experienceIndex ?? 0, limits));
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    // Sets from before owners were recorded are the default tenant's.
    await owners.claim(modelId, tenant, (await owners.recorded(modelId)) || (await sets.all(modelId)).length > 0);
    const index = experience!.experienceIndex;
    // A trainer sends its experience's rows (in training order) and its own network; otherwise the buffer's samples.
    const data = inline.real === undefined ? await buffer.read(modelId, index) : realSamplesOf(inline.real, limits);
    const spec = specWithDefaults(requested);
    checkSpecBounds(requested, spec, inline.network?.labels.length || new Set(data.labels).size, limits);
    const run = distillOptions(spec, data.labels.length);
    if (data.labels.length === 0)
      throw new MnemeError(
        'failed-precondition',
        `no samples of model '${modelId}' experience ${index} reached the distiller (it reads the samples topic)`,
      );
    const requestedNetwork = inline.network === undefined ? undefined : networkSpecOf(inline.network, data.width, data.labels);
    const labelNames = requestedNetwork?.labels ?? [...new Set(data.labels)].sort();
    const ref: ModelRef = { modelId, version: model?.version ?? 0 };
    const record: JobRecord = {
      modelId,
      ...(tenant === DEFAULT_TENANT ? {} : { tenant }),
      job: {
        jobId,
        experience: { modelId, experienceIndex: index },
        state: JobState.JOB_STATE_QUEUED,
        stepsDone: 0,
        stepsTotal: spec.outerSteps,
        outerLoss: 0,
        result: undefined,
        error: '',
      },
    };
    return jobs.submit(record, async (onStep) => {
      const network =
        requestedNetwork === undefined ? await networks(ref, data.width, labelNames.length) : mlpDistillNetwork(requestedNetwork.sizes);
      const labels = Int32Array.from(data.labels, (l) => labelNames.indexOf(l));
      const result = await new Distiller(deps.executor, network).distil({ inputs: data.rows, labels }, { ...run, onStep });
      const version = ((await sets.versions(modelId, index)).at(-1) ?? 0) + 1;
      const set: DistilledSet = {
        experience: index,
        version,
        method: run.method,
        spec: provenanceSpec({ modelId, labelNames, spec, network: network.name }),
        labels: result.labels,
        inputs: { data: result.inputs, shape: [result.labels.length, ...result.sampleShape] },
        lr: result.lr,
        created: new Date().toISOString(),
      };
      await sets.save(modelId, set);
      return version;
    });
  };

  const binding = defineService(DistillerServiceService, {
    startDistillation: async (req, ctx) => ({
      job: (
        await startJob(req.experience, req.model, req.spec, randomUUID(), ctx.principal.tenant, { real: req.real, network: req.network })
      ).job,
    }),
    getDistillationJob: async (req, ctx) => {
      const problems = idProblems('job_id', req.jobId, limits);
      if (problems.length === 0 && (!JOB_ID.test(req.jobId) || req.jobId.includes('..')))
        problems.push(`job_id '${req.jobId}' is not one this service issues (a UUID or experience-closed-<event id>)`);
      if (problems.length > 0) throw new InvalidArgumentError(problems);
      const record = jobs.get(req.jobId);
      if (record === undefined || (record.tenant ?? DEFAULT_TENANT) !== ctx.principal.tenant)
        throw new NotFoundError(`distillation job '${req.jobId}' does not exist`);
      return { job: record.job };
    },
    getSyntheticSet: async (req, ctx) => {
      const modelId = req.set?.experience?.modelId ?? '';
      const problem = modelIdProblem(modelId);
      if (problem !== undefined) throw new InvalidArgumentError(problem);
      const experience = req.set!.experience!.experienceIndex;
      const far = experienceIndexProblems('set.experience.experience_index', experience, limits);
      if (far.length > 0) throw new InvalidArgumentError(far);
      const versions = (await owns(modelId, ctx.principal.tenant)) ? await sets.versions(modelId, experience) : [];
      const version = req.set!.version === 0 ? versions.at(-1) : req.set!.version;
      if (version === undefined || !versions.includes(version)) {
        throw new NotFoundError(
          `model '${modelId}' experience ${experience} has no synthetic set${req.set!.version === 0 ? '' : ` version ${req.set!.version}`}`,
        );
      }
      return { set: syntheticSetToWire(await sets.load({ modelId, experience, version })) };
    },
    forgetSourceSamples: async (req, ctx) => {
      const problems = [modelIdProblem(req.modelId)].filter((p) => p !== undefined);
      problems.push(...idListProblems('sample_ids', req.sampleIds, limits));
      if (problems.length > 0) throw new InvalidArgumentError(problems);
      // Another tenant's model: nothing of it is touched, as for a model never seen.
      if (!(await owns(req.modelId, ctx.principal.tenant))) return { removedFromBuffers: 0, setsDistilledFromThem: [] };
      const removed = await buffer.forget(req.modelId, req.sampleIds);
      const distilled = (await Promise.all((await sets.all(req.modelId)).map((a) => sets.load(a)))).filter((s) =>
        removed.has(s.experience),
      );
      return {
        removedFromBuffers: [...removed.values()].reduce((a, b) => a + b, 0),
        setsDistilledFromThem: distilled.map((s) => ({
          experience: { modelId: req.modelId, experienceIndex: s.experience },
          version: s.version,
        })),
      };
    },
    listSyntheticSets: async (req, ctx) => {
      const problem = modelIdProblem(req.modelId);
      if (problem !== undefined) throw new InvalidArgumentError(problem);
      const token = req.page?.pageToken ?? '';
      if (token !== '' && !/^\d+$/.test(token)) throw new InvalidArgumentError(`page_token '${token}' is not one this service issued`);
      const size = req.page?.pageSize || DEFAULT_PAGE;
      const mine = await owns(req.modelId, ctx.principal.tenant);
      const loaded = mine ? await Promise.all((await sets.all(req.modelId)).map((a) => sets.load(a))) : [];
      const newestFirst = loaded.sort((a, b) => b.created.localeCompare(a.created) || b.version - a.version);
      const from = Number(token || '0');
      const page = newestFirst.slice(from, from + size);
      return {
        sets: page.map((s) => ({ experience: { modelId: req.modelId, experienceIndex: s.experience }, version: s.version })),
        nextPageToken: from + size < newestFirst.length ? String(from + size) : '',
      };
    },
  });

  return {
    name: 'distiller',
    bindings: [binding],
    start: async () => {
      applied = await FileAppliedEvents.open(join(root, 'applied-events.log'));
      subscriptions.push(
        await consumeEvents(deps.bus, 'samples', {
          group: 'distiller',
          applied,
          onDeadLetter: deadLetterCounter(deps.metrics, 'distiller'),
          handler: async (event) => {
            await checkEventTenant(event.header!);
            // A text model's samples carry texts, not rows: nothing to buffer, nothing to warn about.
            const rows = event.samples.filter((s) => s.sample?.input?.kind?.$case !== 'text');
            if (rows.length === 0) return;
            const { skipped } = await buffer.append(event.header!.modelId, rows);
            if (skipped.length > 0) deps.logger.warn('samples not buffered for distillation', { modelId: event.header!.modelId, skipped });
          },
        }),
        await consumeEvents(deps.bus, 'experienceClosed', {
          group: 'distiller',
          applied,
          onDeadLetter: deadLetterCounter(deps.metrics, 'distiller'),
          // Bounded: samples that never arrive (or carry no features) must not block the topic forever.
          maxAttempts: CLOSED_EVENT_ATTEMPTS,
          handler: async (event) => {
            const eventSpec = { samplesPerLabel: 10, initFromReal: true, ...options.eventSpec } as DistillationSpec;
            // The job id derives from the event id, so a redelivered event never starts a second job.
            const jobId = `experience-closed-${event.header!.eventId}`;
            if (jobs.get(jobId) !== undefined) return;
            await checkEventTenant(event.header!);
            // A model whose strategy distils itself (`distill`): its trainer asks for its set, with its own network and settings.
            const record = await models.findModel(event.header!.modelId).catch(() => undefined);
            if (record !== undefined && STRATEGY_CAPABILITIES[record.strategy.name]?.distillsItself === true) return;
            // A text model's samples were never buffered (see above): there is nothing to distil.
            if (record !== undefined && !record.base.startsWith('mlp:')) return;
            // A count or index past the limits never comes true: waiting for it would hold the model's later events back.
            const far = [
              ...experienceIndexProblems('experience_index', event.experience?.experienceIndex ?? 0, limits),
              ...(event.sampleCount > limits.maxExperienceSamples
                ? [`sample_count ${event.sampleCount} is over MNEME_MAX_EXPERIENCE_SAMPLES (${limits.maxExperienceSamples})`]
                : []),
            ];
            if (far.length > 0) {
              deps.logger.warn('experience not distilled', { modelId: event.header!.modelId, reason: far.join('; ') });
              return;
            }
            // The samples topic is consumed independently: wait (by redelivery) until its events caught up.
            const buffered = (await buffer.read(event.header!.modelId, event.experience?.experienceIndex ?? 0)).labels.length;
            if (buffered < event.sampleCount) {
              throw new MnemeError('unavailable', `${buffered} of the experience's ${event.sampleCount} samples are buffered so far`);
            }
            try {
              const { job } = await startJob(
                event.experience,
                { modelId: event.header!.modelId, version: 0 },
                eventSpec,
                jobId,
                eventTenant(event.header!),
              );
              deps.logger.info('distillation started', {
                jobId: job.jobId,
                modelId: event.header!.modelId,
                experience: event.experience?.experienceIndex,
              });
            } catch (err) {
              const kind = MnemeError.from(err).kind;
              if (kind !== 'invalid-argument' && kind !== 'failed-precondition') throw err;
              // Nothing to distil (or a bad event): retrying would never help, so log and move on.
              deps.logger.warn('experience not distilled', { modelId: event.header!.modelId, reason: MnemeError.from(err).message });
            }
          },
        }),
      );
    },
    stop: async () => {
      for (const s of subscriptions.splice(0)) await s.close();
      await jobs.stop();
      await applied?.close();
    },
  };
}
