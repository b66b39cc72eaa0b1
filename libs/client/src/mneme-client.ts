import { EncoderServiceClient, EvaluatorServiceClient, Pooling, TrainerServiceClient, Unlearning } from '@mneme/contracts';
import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import { createClient, tokenFromEnv, unary, type CallSettings, type ClientTls } from '@mneme/rpc';
import { fromWire } from '@mneme/wire';
import type {
  AccuracyMatrix,
  CreateModelOptions,
  EmbedResult,
  ForgetResult,
  ModelInput,
  PredictResult,
  SampleInput,
  ServedBy,
  TrainingStatus,
  VersionInfo,
} from './client-types.js';
import { ExperienceCounts } from './experience-counts.js';
import { resolveAddresses, type ResolvedAddresses, type ServiceAddresses } from './service-addresses.js';
import { SCENARIOS, toInput, toTrainingSample, versionInfo } from './wire-conversions.js';

const UNLEARNING: Readonly<Partial<Record<Unlearning, ForgetResult['unlearning']>>> = {
  [Unlearning.UNLEARNING_EXACT]: 'exact',
  [Unlearning.UNLEARNING_RETRAINED]: 'retrained',
  [Unlearning.UNLEARNING_EXCLUDED_FROM_NEXT]: 'excluded',
};

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Time each call may take, in ms. @default 30000 */
  readonly timeoutMs?: number;
  /** Wait this long for every service to accept connections; 0 connects lazily. @default 10000 */
  readonly readyTimeoutMs?: number;
  /** Largest message sent or accepted. @default 64 MiB */
  readonly maxMessageBytes?: number;
  /**
   * Connect over TLS: the CA to trust (else the system roots), a client certificate and key for
   * mTLS, the name to check in the server certificate; PEM contents, e.g. from {@link loadClientTls}
   * with the paths `mneme up` takes (--tls-ca, or MNEME_TLS_CA). Plaintext when absent.
   */
  readonly tls?: ClientTls;
  /**
   * Bearer token sent on every call; its tenant owns the models this client creates.
   * @default the MNEME_TOKEN variable, else the contents of the MNEME_TOKEN_FILE file, else none (open servers)
   */
  readonly token?: string;
}

/** Most samples the trainer takes per Ingest call. */
export const MAX_INGEST_CHUNK = 10_000;

/**
 * Connects to a mneme deployment and resolves once every service accepts connections. Give one
 * address for every service (the embedded stack of `mneme up`, or a gateway), as a string or
 * `{ address }`, or one per service as `{ trainer, encoder, evaluator }`.
 * @throws MnemeError `invalid-argument` naming what is missing or wrong in the addresses
 * @throws MnemeError `unavailable` naming the service that could not be reached
 * @example const mneme = await connect({ address: '127.0.0.1:50051' });
 * @example const mneme = await connect({ trainer: 'trainer:50051', encoder: 'encoder:50051', evaluator: 'evaluator:50051' });
 */
export async function connect(addresses: ServiceAddresses, options: ConnectOptions = {}): Promise<MnemeClient> {
  const at = resolveAddresses(addresses);
  const token = options.token ?? tokenFromEnv();
  const factory = {
    ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
    tls: options.tls,
    ...(token ? { token } : {}),
  };
  const client = createMnemeClient(
    createClient(TrainerServiceClient, at.trainer, factory),
    createClient(EncoderServiceClient, at.encoder, factory),
    createClient(EvaluatorServiceClient, at.evaluator, factory),
    { timeoutMs: options.timeoutMs ?? 30_000 },
  );
  const readyMs = options.readyTimeoutMs ?? 10_000;
  if (readyMs > 0) {
    try {
      await waitForReady(client, at, readyMs);
    } catch (err) {
      client.close();
      throw err;
    }
  }
  return client;
}

type ServiceClient = TrainerServiceClient | EncoderServiceClient | EvaluatorServiceClient;

/** Set by the class's static block: {@link connect} builds clients while the constructor stays private (out of the public types). */
let createMnemeClient: (
  trainer: TrainerServiceClient,
  encoder: EncoderServiceClient,
  evaluator: EvaluatorServiceClient,
  settings: CallSettings,
) => MnemeClient;
/** Likewise: the service channels, to wait until each one is connected. */
let channelsOf: (client: MnemeClient) => Record<keyof ResolvedAddresses, ServiceClient>;

/** Resolves once every service channel is connected. */
async function waitForReady(client: MnemeClient, at: ResolvedAddresses, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const channels = channelsOf(client);
  const ready = (name: keyof ResolvedAddresses) =>
    new Promise<void>((resolve, reject) =>
      channels[name].waitForReady(deadline, (err) =>
        err
          ? reject(
              new MnemeError('unavailable', `cannot reach the ${name} service at ${at[name]} within ${timeoutMs} ms: ${err.message}`, {
                cause: err,
              }),
            )
          : resolve(),
      ),
    );
  await Promise.all([ready('trainer'), ready('encoder'), ready('evaluator')]);
}

/**
 * The typed facade of mneme for integrators: create models, stream labelled samples in
 * experiences, predict and embed with the served version, follow training, read the accuracy
 * matrix, and manage versions. Failures reject with a {@link MnemeError} whose `kind` mirrors the
 * gRPC status (`invalid-argument`, `not-found`, `unavailable`, ...). Create it with {@link connect}.
 */
export class MnemeClient {
  private readonly counts = new ExperienceCounts();

  static {
    createMnemeClient = (trainer, encoder, evaluator, settings) => new MnemeClient(trainer, encoder, evaluator, settings);
    channelsOf = (client) => ({ trainer: client.trainer, encoder: client.encoder, evaluator: client.evaluator });
  }

  /** Use {@link connect}. */
  private constructor(
    private readonly trainer: TrainerServiceClient,
    private readonly encoder: EncoderServiceClient,
    private readonly evaluator: EvaluatorServiceClient,
    private readonly settings: CallSettings,
  ) {}

  /** Creates a model; resolves with its version 1 (untrained). */
  async createModel(options: CreateModelOptions): Promise<VersionInfo> {
    const strategy =
      typeof options.strategy === 'string' || options.strategy === undefined
        ? { name: options.strategy ?? 'naive', options: {} }
        : { name: options.strategy.name, options: { ...options.strategy.options } };
    const res = await unary(
      this.trainer.createModel.bind(this.trainer),
      {
        modelId: options.modelId,
        spec: {
          base: options.base,
          scenario: SCENARIOS[options.scenario ?? 'class-incremental'],
          strategy,
          labels: [...(options.labels ?? [])],
          seed: options.seed ?? 0,
        },
      },
      this.settings,
    );
    return versionInfo(res.version!);
  }

  /**
   * Sends samples for training, in calls of at most 10,000, each answered once its samples are
   * durable. Samples the trainer already has or has in flight (same id) are dropped and listed in
   * `duplicateIds`. Distinct accepted ids are counted per
   * experience for {@link closeExperience}. On a failed call, earlier chunks stay ingested (a retry of the same
   * samples is safe: repeats are dropped).
   */
  async ingest(modelId: string, samples: readonly SampleInput[]): Promise<{ accepted: number; duplicateIds: string[] }> {
    const wire = samples.map((s, i) => toTrainingSample(modelId, s, i));
    let accepted = 0;
    const duplicateIds: string[] = [];
    for (let at = 0; at < wire.length; at += MAX_INGEST_CHUNK) {
      const chunk = wire.slice(at, at + MAX_INGEST_CHUNK);
      const res = await unary(this.trainer.ingest.bind(this.trainer), { modelId, samples: chunk }, this.settings);
      const dropped = new Set(res.duplicateIds);
      for (const s of samples.slice(at, at + MAX_INGEST_CHUNK)) if (!dropped.has(s.id)) this.counts.add(modelId, s.experience, s.id);
      accepted += res.accepted;
      duplicateIds.push(...res.duplicateIds);
    }
    return { accepted, duplicateIds };
  }

  /**
   * Ends an experience. Tells the trainer how many samples this client got accepted into it, so the
   * trainer ends the experience only after training on all of them (0 when this client ingested
   * none: the trainer then ends it with whatever has arrived). The trainer saves a new version.
   */
  async closeExperience(modelId: string, experience: number): Promise<{ sampleCount: number }> {
    const sampleCount = this.counts.get(modelId, experience);
    const res = await unary(
      this.trainer.closeExperience.bind(this.trainer),
      { experience: { modelId, experienceIndex: experience }, sampleCount },
      this.settings,
    );
    this.counts.clear(modelId, experience);
    return { sampleCount: Number(res.sampleCount) };
  }

  /**
   * Label probabilities per input, most probable first. `version` 0 (the default) is the promoted
   * version, or the newest when none was promoted; `topK` 0 returns every label; `taskId` only for
   * task-incremental models.
   */
  async predict(
    modelId: string,
    inputs: readonly ModelInput[],
    options: { version?: number; topK?: number; taskId?: number } = {},
  ): Promise<PredictResult> {
    const res = await unary(
      this.encoder.predict.bind(this.encoder),
      {
        model: { modelId, version: options.version ?? 0 },
        inputs: inputs.map((x, i) => toInput(x, `inputs[${i}]`)),
        topK: options.topK ?? 0,
        ...(options.taskId === undefined ? {} : { taskId: options.taskId }),
      },
      this.settings,
    );
    return {
      servedBy: servedBy(res.servedBy),
      predictions: res.predictions.map((p) => p.scores.map((s) => ({ label: s.label, probability: s.probability }))),
    };
  }

  /**
   * Embeds inputs: texts with the model's frozen encoder (the service's default encoder when no
   * model is named), features of a feature model passed through. Vectors are L2-normalised unless
   * `normalize` is false; `pooling` applies to texts.
   */
  async embed(
    inputs: readonly ModelInput[],
    options: { modelId?: string; version?: number; pooling?: 'mean' | 'cls'; normalize?: boolean } = {},
  ): Promise<EmbedResult> {
    const res = await unary(
      this.encoder.embed.bind(this.encoder),
      {
        ...(options.modelId === undefined ? {} : { model: { modelId: options.modelId, version: options.version ?? 0 } }),
        inputs: inputs.map((x, i) => toInput(x, `inputs[${i}]`)),
        pooling: options.pooling === 'cls' ? Pooling.POOLING_CLS : Pooling.POOLING_MEAN,
        unnormalized: options.normalize === false,
      },
      this.settings,
    );
    if (res.embeddings === undefined) throw new MnemeError('internal', 'the encoder returned no embeddings');
    const t = fromWire(res.embeddings, { expectDtype: 'float32', what: 'embeddings' });
    const [rows = 0, dimension = 0] = t.shape;
    return {
      servedBy: servedBy(res.servedBy),
      dimension,
      vectors: Array.from({ length: rows }, (_, r) => t.data.slice(r * dimension, (r + 1) * dimension)),
    };
  }

  /** How far training of a model has got. */
  async trainingStatus(modelId: string): Promise<TrainingStatus> {
    const res = await unary(this.trainer.getTrainingStatus.bind(this.trainer), { modelId }, this.settings);
    return {
      modelId: res.modelId,
      strategy: res.strategy?.name ?? '',
      currentExperience: res.currentExperience?.experienceIndex,
      samplesTrained: Number(res.samplesTrained),
      optimizerSteps: Number(res.optimizerSteps),
      backlog: Number(res.backlog),
      latestVersion: res.latestVersion === undefined ? undefined : versionInfo(res.latestVersion),
    };
  }

  /** The model's accuracy matrix (EvaluatorService.GetAccuracyMatrix): rows in training order, and ACC/BWT/FWT/forgetting. */
  async accuracyMatrix(modelId: string): Promise<AccuracyMatrix> {
    const res = await unary(this.evaluator.getAccuracyMatrix.bind(this.evaluator), { modelId }, this.settings);
    const m = res.metrics;
    return {
      rows: res.rows.map((r) => ({ afterExperience: r.afterExperience, accuracies: [...r.accuracies] })),
      metrics:
        m === undefined ? undefined : { acc: m.acc, bwt: m.bwt, fwt: m.fwt, forgetting: m.forgetting, definitions: { ...m.definitions } },
      randomInitAccuracies: [...res.randomInitAccuracies],
    };
  }

  /** Every version of the model, newest first (all pages). */
  async listVersions(modelId: string): Promise<VersionInfo[]> {
    const all: VersionInfo[] = [];
    let pageToken = '';
    do {
      const res = await unary(
        this.trainer.listModelVersions.bind(this.trainer),
        { modelId, page: { pageSize: 100, pageToken } },
        this.settings,
      );
      all.push(...res.versions.map(versionInfo));
      pageToken = res.nextPageToken;
    } while (pageToken !== '');
    return all;
  }

  /** Makes `version` the one served for version 0 (the previously promoted one is retired). */
  async promote(modelId: string, version: number): Promise<VersionInfo> {
    if (!(Number.isInteger(version) && version >= 1)) throw new InvalidArgumentError(`promote needs a version number ≥ 1, got ${version}`);
    const res = await unary(this.trainer.promoteModelVersion.bind(this.trainer), { model: { modelId, version } }, this.settings);
    return versionInfo(res.version!);
  }

  /**
   * Forgets samples by id (a data-deletion request): they leave the model's memories and are never
   * trained on again. Returns the versions whose training saw them and how far the model unlearns
   * them (`exact`, `retrained` by the next version, or `excluded` from then on).
   */
  async forget(modelId: string, sampleIds: readonly string[]): Promise<ForgetResult> {
    const res = await unary(this.trainer.forgetSamples.bind(this.trainer), { modelId, sampleIds: [...sampleIds] }, this.settings);
    return {
      forgottenIds: [...res.forgottenIds],
      versionsTrainedOnThem: res.versionsTrainedOnThem.map((v) => Number(v.version)),
      unlearning: UNLEARNING[res.unlearning] ?? 'excluded',
      removedFromMemory: res.removedFromMemory,
    };
  }

  /** Closes the connections; calls after this fail. */
  close(): void {
    this.trainer.close();
    this.encoder.close();
    this.evaluator.close();
  }
}

function servedBy(ref: { modelId: string; version: number } | undefined): ServedBy {
  return { modelId: ref?.modelId ?? '', version: Number(ref?.version ?? 0) };
}
