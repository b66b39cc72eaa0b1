import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  EncoderServiceService,
  type DescribeServingRequest,
  type DescribeServingResponse,
  type EmbedRequest,
  type EmbedResponse,
  type PredictRequest,
  type PredictResponse,
} from '@mneme/contracts';
import { DEFAULT_MODEL } from '@mneme/encoders';
import { InvalidArgumentError, NotFoundError } from '@mneme/errors';
import { consumeEvents, type Subscription } from '@mneme/events';
import { FileModelStore, modelIdProblem } from '@mneme/model-store';
import { defineService } from '@mneme/rpc';
import { DEFAULT_SERVICE_LIMITS, ModelOwners, ServedPools, deadLetterCounter } from '@mneme/service-runtime';
import type { ServiceDeps, ServiceModule } from '@mneme/service-runtime';
import { versionToWire } from '@mneme/service-runtime';
import { Embedder } from './embedder.js';
import type { BatchSettings } from './loaded-version.js';
import { checkInputBounds, checkInputCount, checkModelRef } from './request-checks.js';
import { SentenceEncoders } from './sentence-encoder.js';
import { ServingModels } from './serving-models.js';

/** Options of the encoder service beyond the shared service deps. */
export interface EncoderOptions {
  /** Folder of frozen encoders (the encoder model store). @default `${dataDir}/models` */
  readonly modelsDir?: string;
  /** Inputs that fill a batch; a full batch runs at once. @default 64 */
  readonly maxBatch?: number;
  /** Longest wait of a request for its batch to fill, in ms. @default 2 */
  readonly maxDelayMs?: number;
  /** Encoder of Embed requests that name no model. @default all-MiniLM-L6-v2 */
  readonly defaultEncoder?: string;
  /**
   * The execution provider in use and why it was chosen (pass the engine's `device`). Without it
   * DescribeServing reports the executor's provider and says the reason was not passed on.
   */
  readonly executionProvider?: { readonly provider: string; readonly reason: string };
  /** Loaded versions kept beyond the ones serving version 0. @default 4 */
  readonly cachedVersions?: number;
}

/** The three handlers of EncoderService, callable without gRPC (benchmarks, the embedded stack). */
export interface EncoderHandlers {
  embed(req: EmbedRequest): Promise<EmbedResponse>;
  /**
   * Label probabilities per input. Strategies with one softmax classifier head (naive, joint, er,
   * mir, curriculum, active) return the softmax of its logits; the others (l2p, which selects its
   * prompts from the version's pool in the prompt-pool service, and any prediction
   * restricted by `task_id`) only name a class, so the predicted label comes back with
   * probability 1 and the rest with 0.
   */
  predict(req: PredictRequest): Promise<PredictResponse>;
  describeServing(req: DescribeServingRequest): Promise<DescribeServingResponse>;
}

/** The encoder as hosted: its module plus the handlers for in-process callers. */
export interface EncoderModule extends ServiceModule {
  readonly handlers: EncoderHandlers;
}

/**
 * The encoder (inference) service: embeddings and predictions of model versions, with dynamic
 * batching of concurrent requests and hot reload. It consumes model-updated in a consumer group of
 * its own (`encoder-<random>`), so every replica sees every announcement, and swaps in the new
 * serving version once it is loaded; requests in flight finish on the version they resolved.
 */
export async function createEncoderService(deps: ServiceDeps, options: EncoderOptions = {}): Promise<EncoderModule> {
  const store = new FileModelStore(join(deps.dataDir, 'models-store'));
  const modelsDir = options.modelsDir ?? deps.modelsDir ?? join(deps.dataDir, 'models');
  const maxBatch = options.maxBatch ?? 64;
  const batching = (queue: string): BatchSettings => ({
    maxBatch,
    maxDelayMs: options.maxDelayMs ?? 2,
    onDepthChange: (delta) => deps.metrics.queueDepth.inc({ service: 'encoder', queue }, delta),
  });
  // One forward pass per batch: the encoder's chunk is the batch bound.
  const encoders = new SentenceEncoders(modelsDir, deps.executor, maxBatch);
  const pools = new ServedPools(deps.peers?.promptPool, undefined, deps.peerTls, deps.serviceToken);
  const models = new ServingModels({
    store,
    executor: deps.executor,
    modelsDir,
    encoders,
    batching: batching('predict'),
    logger: deps.logger,
    pools,
    ...(options.cachedVersions === undefined ? {} : { cachedVersions: options.cachedVersions }),
    onServing: (model, version) => deps.metrics.modelVersion.set({ service: 'encoder', model }, version),
  });
  const limits = deps.limits ?? DEFAULT_SERVICE_LIMITS;
  const defaultEncoder = options.defaultEncoder ?? DEFAULT_MODEL;
  const embedder = new Embedder(models, encoders, defaultEncoder, batching('embed'));
  const provider = options.executionProvider ?? {
    provider: deps.executor.device,
    reason: 'as reported by the executor (the process did not pass on why it was chosen)',
  };
  const subscriptions: Subscription[] = [];
  const owners = new ModelOwners(store);

  const handlers: EncoderHandlers = {
    embed: async (req) => {
      checkInputBounds(req.inputs, limits);
      return embedder.embed(req);
    },
    predict: async (req) => {
      const ref = checkModelRef(req.model);
      checkInputCount(req.inputs);
      checkInputBounds(req.inputs, limits);
      const loaded = await models.resolve(ref.modelId, ref.version);
      const predictions = await loaded.predict(req.inputs, req.topK, req.taskId);
      return { servedBy: { modelId: ref.modelId, version: loaded.version }, predictions };
    },
    describeServing: async (req) => {
      if (req.modelId !== '') {
        const problem = modelIdProblem(req.modelId);
        if (problem !== undefined) throw new InvalidArgumentError(problem);
        await store.getModel(req.modelId); // NOT_FOUND for a model that does not exist
      }
      const loaded = await models.describe(req.modelId === '' ? undefined : req.modelId);
      return {
        versions: loaded.map((v) => versionToWire(v.record)),
        executionProvider: provider.provider,
        executionProviderReason: provider.reason,
      };
    },
  };

  return {
    name: 'encoder',
    // Over gRPC a caller reaches its own tenant's models only: another tenant's model is NOT_FOUND.
    bindings: [
      defineService(EncoderServiceService, {
        embed: async (req, ctx) => {
          // Embedding with a model's encoder reads that model.
          if (req.model !== undefined && req.model.modelId !== '') await owners.require(req.model.modelId, ctx.principal.tenant);
          return handlers.embed(req);
        },
        predict: async (req, ctx) => {
          await owners.require(checkModelRef(req.model).modelId, ctx.principal.tenant);
          return handlers.predict(req);
        },
        describeServing: async (req, ctx) => {
          const tenant = ctx.principal.tenant;
          if (req.modelId !== '') await owners.require(req.modelId, tenant);
          const all = await handlers.describeServing(req);
          // Without a model id it lists what is loaded: the caller's own models only.
          const owned = await Promise.all(all.versions.map(async (v) => (await owners.ownerOf(v.model?.modelId ?? '')) === tenant));
          return { ...all, versions: all.versions.filter((_, i) => owned[i]) };
        },
      }),
    ],
    handlers,
    async start() {
      // Loading the default encoder now builds its sessions before the first request (see SentenceEncoder.load).
      await encoders.get(defaultEncoder).catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
        deps.logger.info('the default encoder is not imported yet; it loads on first use', { encoder: defaultEncoder });
      });
      subscriptions.push(
        await consumeEvents(deps.bus, 'modelUpdated', {
          // A group of its own per replica: every replica must see every announcement.
          group: `encoder-${randomUUID().slice(0, 8)}`,
          producer: 'encoder',
          logger: deps.logger,
          onDeadLetter: deadLetterCounter(deps.metrics, 'encoder'),
          // Versions are read from the store on first use, so history before start is not needed.
          fromBeginning: false,
          handler: async (_event, ctx) => {
            // An announcement for a model its tenant does not own is dead-lettered, not served.
            await owners.checkEvent(ctx.key, ctx.header);
            try {
              await models.refresh(ctx.key);
              deps.metrics.events.inc({ service: 'encoder', topic: 'model-updated', outcome: 'applied' });
            } catch (err) {
              // The old version keeps serving; the next announcement (or restart) tries again.
              deps.logger.error('could not load the announced version; still serving the previous one', {
                model: ctx.key,
                error: err instanceof Error ? err.message : String(err),
              });
            }
          },
        }),
      );
    },
    async stop() {
      for (const s of subscriptions.splice(0)) await s.close();
      pools.close();
    },
  };
}
