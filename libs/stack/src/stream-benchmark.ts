import { basename } from 'node:path';
import {
  benchmarkByName,
  DEFAULT_ENCODER,
  resolveRun,
  strategyEpochs,
  type AppliedStrategyDefaults,
  type BenchmarkSettings,
} from '@mneme/benchmarks';
import {
  EvaluatorServiceClient,
  ScenarioKind,
  TrainerServiceClient,
  type GetAccuracyMatrixResponse,
  type Input,
  type TrainingSample,
} from '@mneme/contracts';
import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import type { Executor } from '@mneme/execution';
import { strategyCapabilities } from '@mneme/methods';
import { createClient, unary, type ClientTls } from '@mneme/rpc';
import { tensor } from '@mneme/tensor';
import { toWire } from '@mneme/wire';

/** Options of {@link streamBenchmark}. */
export interface StreamBenchmarkOptions {
  /**
   * A feature-level benchmark (split-mnist, permuted-mnist), or a text one (clinc150, text), whose
   * samples are streamed as texts to a model on the benchmark's frozen encoder.
   */
  readonly benchmark: string;
  /** Overrides of the benchmark's settings (batch size, epochs, ...), as `runBenchmark` takes them. */
  readonly settings?: Partial<BenchmarkSettings>;
  /** Text encoder folder of text benchmarks; the services' models folder must hold the same encoder. @default DEFAULT_ENCODER */
  readonly encoderDir?: string;
  /** For the generic text benchmark: the folder of JSONL/CSV files and the number of experiences. */
  readonly textData?: string;
  readonly experiences?: number;
  /** TLS of the connections to the services; plaintext when absent. */
  readonly tls?: ClientTls | undefined;
  readonly strategy: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly seed: number;
  /** `host:port` of the trainer and evaluator (the embedded stack serves both on one). */
  readonly trainerAddress: string;
  readonly evaluatorAddress?: string;
  /** Bearer token of the streaming client (scopes admin, ingest, read); none for an open stack. */
  readonly token?: string;
  /** Builds the scenario (the benchmark's executor; no training runs here). */
  readonly executor: Executor;
  /** @default `<benchmark>-<strategy>-<seed>` */
  readonly modelId?: string;
  /** Samples per Ingest call. @default 100 */
  readonly ingestChunk?: number;
  /** Progress lines. */
  readonly onProgress?: (event: StreamProgress) => void;
  /** How long to wait for the last evaluation, in ms. @default 600000 */
  readonly timeoutMs?: number;
}

/** Progress of a streamed run. */
export type StreamProgress =
  | { kind: 'ingested'; experience: number; samples: number; total: number }
  | { kind: 'closed'; experience: number }
  | { kind: 'evaluated'; rows: number; of: number };

/** What a streamed run measured. */
export interface StreamBenchmarkResult {
  readonly modelId: string;
  readonly matrix: number[][];
  readonly randomInit: number[];
  readonly acc: number;
  readonly bwt: number;
  readonly fwt: number;
  readonly forgetting: number;
  readonly samples: number;
  /** Wall time from the first ingest to the last row of the accuracy matrix, in seconds. */
  readonly seconds: number;
  readonly settings: BenchmarkSettings;
  /** Strategy options the model was created with (the benchmark's defaults for the strategy < `options`). */
  readonly options: Readonly<Record<string, string>>;
  /** The benchmark's defaults for this strategy that were applied, as `runBenchmark` reports them. */
  readonly strategyDefaults?: AppliedStrategyDefaults;
  /** The scenario in words, its label names, and the label ids each experience held (as `runBenchmark` reports them). */
  readonly scenario: string;
  readonly classNames: readonly string[];
  readonly experienceClasses: readonly (readonly number[])[];
}

/**
 * Runs a benchmark through the services, as an integrator would: creates the model on the trainer,
 * declaring no labels (they arrive with the samples), registers each experience's held-out set with
 * the evaluator, ingests the training stream over gRPC
 * in the benchmark's order, closes each experience with its sample count, and waits until the
 * evaluator has the whole accuracy matrix. With the same seed it trains exactly what `mneme run`
 * trains, so the two matrices agree (the stream is one pass: compare benchmarks of several epochs,
 * such as the text ones, with `settings: { epochs: 1 }` on both sides). Text benchmarks stream
 * their texts, so the services embed them (and token-level strategies tokenise them) themselves.
 */
export async function streamBenchmark(options: StreamBenchmarkOptions): Promise<StreamBenchmarkResult> {
  const benchmark = benchmarkByName(options.benchmark);
  // The same layers as `mneme run` (runBenchmark): benchmark defaults < its defaults for the strategy < overrides.
  const resolved = resolveRun(benchmark, options.strategy, {
    ...(options.settings === undefined ? {} : { settings: options.settings }),
    ...(options.options === undefined ? {} : { options: options.options }),
  });
  const { settings } = resolved;
  const built = await benchmark.build({
    seed: options.seed,
    settings,
    executor: options.executor,
    ...(options.encoderDir === undefined ? {} : { encoderDir: options.encoderDir }),
    ...(options.textData === undefined ? {} : { textData: options.textData }),
    ...(options.experiences === undefined ? {} : { experiences: options.experiences }),
  });
  const texts = built.texts;
  if (built.classifier.inputSize <= 0 || (built.text !== undefined && texts === undefined))
    throw new InvalidArgumentError(`benchmark '${options.benchmark}' is neither a feature-level nor a text benchmark`);
  if (texts !== undefined && settings.hidden.length > 0)
    throw new InvalidArgumentError(
      `benchmark '${options.benchmark}': a text model is a linear head on its encoder; hidden layers (${settings.hidden.join(', ')}) cannot be streamed`,
    );
  const modelId = options.modelId ?? `${options.benchmark}-${options.strategy}-${options.seed}`;
  const auth = { tls: options.tls, ...(options.token === undefined ? {} : { token: options.token }) };
  const trainer = createClient(TrainerServiceClient, options.trainerAddress, auth);
  const evaluator = createClient(EvaluatorServiceClient, options.evaluatorAddress ?? options.trainerAddress, auth);
  const chunk = options.ingestChunk ?? 100;
  const labels = [...built.classNames];
  const width = built.classifier.inputSize;
  // Text benchmarks stream each sample's text (the services embed it); others its feature row.
  const input = (features: Float32Array, ids: Int32Array | undefined, i: number): Input => {
    if (texts === undefined)
      return { kind: { $case: 'features', value: toWire(tensor('float32', [width], features.slice(i * width, (i + 1) * width))) } };
    if (ids === undefined)
      throw new InvalidArgumentError(`benchmark '${options.benchmark}' does not name its test samples, so their texts are unknown`);
    return { kind: { $case: 'text', value: texts[ids[i]!]! } };
  };
  try {
    await unary(trainer.createModel.bind(trainer), {
      modelId,
      spec: {
        base: texts === undefined ? `mlp:${[width, ...settings.hidden].join('-')}` : basename(options.encoderDir ?? DEFAULT_ENCODER),
        scenario: built.kind.startsWith('task')
          ? ScenarioKind.SCENARIO_KIND_TASK_INCREMENTAL
          : built.kind.startsWith('domain')
            ? ScenarioKind.SCENARIO_KIND_DOMAIN_INCREMENTAL
            : ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
        strategy: {
          name: options.strategy,
          options: {
            ...resolved.options,
            'batch-size': String(settings.batchSize),
            lr: String(settings.learningRate),
            optimizer: settings.optimizer.kind,
            // As `mneme run`: an offline strategy (joint) retrains for its own epochs; the others take the benchmark's.
            epochs: String(strategyEpochs(strategyCapabilities(options.strategy), settings).strategy),
          },
        },
        // No labels declared: the model learns its classes as samples with new labels arrive.
        labels: [],
        seed: options.seed,
      },
    });
    for (const e of built.plan) {
      const n = e.test.labels.length;
      for (let at = 0; at < n; at += 2000) {
        const samples = Array.from({ length: Math.min(2000, n - at) }, (_, k) => ({
          sample: {
            sampleId: `test-${e.index}-${at + k}`,
            input: input(e.test.features, e.test.ids, at + k),
            label: labels[e.test.labels[at + k]!]!,
            metadata: {},
          },
        }));
        await unary(evaluator.registerHeldOut.bind(evaluator), { experience: { modelId, experienceIndex: e.index }, samples });
      }
    }
    const started = performance.now();
    let total = 0;
    for (const e of built.plan) {
      let pending: TrainingSample[] = [];
      let count = 0;
      const flush = async () => {
        if (pending.length === 0) return;
        const res = await unary(trainer.ingest.bind(trainer), { modelId, samples: pending });
        count += res.accepted;
        total += res.accepted;
        pending = [];
        options.onProgress?.({ kind: 'ingested', experience: e.index, samples: count, total });
      };
      for (const b of e.batches()) {
        for (let i = 0; i < b.labels.length; i++) {
          pending.push({
            sample: {
              sampleId: `train-${e.index}-${b.ids[i]}`,
              input: input(b.features, b.ids, i),
              label: labels[b.labels[i]!]!,
              metadata: {},
            },
            experience: { modelId, experienceIndex: e.index },
            taskId: e.taskId,
          });
          if (pending.length >= chunk) await flush();
        }
      }
      await flush();
      await unary(trainer.closeExperience.bind(trainer), { experience: { modelId, experienceIndex: e.index }, sampleCount: count });
      options.onProgress?.({ kind: 'closed', experience: e.index });
    }
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    let matrix: GetAccuracyMatrixResponse;
    let reported = -1;
    for (;;) {
      matrix = await unary(evaluator.getAccuracyMatrix.bind(evaluator), { modelId });
      if (matrix.rows.length !== reported)
        options.onProgress?.({ kind: 'evaluated', rows: (reported = matrix.rows.length), of: built.plan.length });
      if (matrix.rows.length >= built.plan.length && matrix.randomInitAccuracies.length > 0) break;
      if (Date.now() > deadline)
        throw new MnemeError(
          'deadline-exceeded',
          `timed out waiting for the evaluator: ${matrix.rows.length} of ${built.plan.length} rows`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      modelId,
      matrix: matrix.rows.map((r) => [...r.accuracies]),
      randomInit: [...matrix.randomInitAccuracies],
      acc: matrix.metrics?.acc ?? Number.NaN,
      bwt: matrix.metrics?.bwt ?? Number.NaN,
      fwt: matrix.metrics?.fwt ?? Number.NaN,
      forgetting: matrix.metrics?.forgetting ?? Number.NaN,
      samples: total,
      seconds,
      settings,
      options: resolved.options,
      ...(resolved.strategyDefaults === undefined ? {} : { strategyDefaults: resolved.strategyDefaults }),
      scenario: built.kind,
      classNames: built.classNames,
      experienceClasses: built.plan.map((e) => e.classes),
    };
  } finally {
    trainer.close();
    evaluator.close();
  }
}
