import type { Executor, NearestNeighbourIndexFactory } from '@mneme/execution';
import { meanSeenAccuracy, type ExperimentLogger } from '@mneme/experiment-log';
import {
  runExperiment,
  strategyCapabilities,
  strategyFactory,
  type ExperimentResult,
  type ProgressEvent,
  type StrategyDescription,
} from '@mneme/methods';
import { describeDefinition, type MetricValue } from '@mneme/metrics';
import type { Benchmark, BenchmarkSettings } from './benchmark.js';
import { resolveRun, type AppliedStrategyDefaults } from './strategy-defaults.js';
import { strategyEpochs } from './strategy-epochs.js';

/** Options of {@link runBenchmark}. */
export interface RunBenchmarkOptions {
  readonly benchmark: Benchmark;
  readonly strategy: string;
  /** Seeds to run (one full run each). */
  readonly seeds: readonly number[];
  readonly executor: Executor;
  /** Overrides of the benchmark's settings (over its defaults and its defaults for the strategy). */
  readonly settings?: Partial<BenchmarkSettings>;
  /** Strategy options (memory size, C, k, ...), over the benchmark's defaults for the strategy. */
  readonly options?: Readonly<Record<string, string>>;
  readonly dataDir?: string;
  /** Text encoder folder in the model store (text benchmarks). */
  readonly encoderDir?: string;
  /** Generic text benchmark: data folder and number of experiences. */
  readonly textData?: string;
  readonly experiences?: number;
  /** Score on the validation parts instead of test (`mneme run --tune`); see BuildOptions.evaluateOn. */
  readonly evaluateOn?: 'test' | 'validation';
  /** Progress of each seed's run. */
  readonly onProgress?: (seed: number, event: ProgressEvent, totalBatches: number) => void;
  /** Nearest-neighbour index for retrieval strategies (knn, knn-head). @default their exact fallback */
  readonly indexFactory?: NearestNeighbourIndexFactory;
  /**
   * Experiment logs: each seed's run is one logged run (start, every step with its loss, every
   * evaluation, the run's metrics at its end). The caller closes the logger.
   */
  readonly logger?: ExperimentLogger;
}

/** A metric over seeds. */
export interface SeedStatistic {
  readonly mean: number;
  readonly std: number;
  /** What the number is: the definition's formula and source. */
  readonly definition: string;
}

/** The report of a benchmark run over seeds (the CLI writes it as JSON). */
export interface BenchmarkReport {
  readonly benchmark: string;
  readonly strategy: string;
  readonly seeds: readonly number[];
  /** Settings the runs used (benchmark defaults < its defaults for the strategy < overrides). */
  readonly settings: BenchmarkSettings;
  /** Strategy options the runs used (the benchmark's defaults for the strategy < overrides). */
  readonly options: Readonly<Record<string, string>>;
  /** The benchmark's defaults for this strategy that were applied (absent when it has none). */
  readonly strategy_defaults?: AppliedStrategyDefaults;
  readonly scenario: string;
  readonly acc: SeedStatistic;
  readonly bwt: SeedStatistic;
  readonly fwt: SeedStatistic;
  readonly forgetting: SeedStatistic;
  /** The accuracy matrix of each seed. */
  readonly matrix: number[][][];
  /** b_j of each seed (untrained accuracies, for FWT). */
  readonly random_init: number[][];
  /** Wall time of each seed's run, in seconds. */
  readonly seed_wall_s: number[];
  /** The strategy's self-description at the end of each seed's run (e.g. joint's chosen l2); `{}` when it has none. */
  readonly strategy_description: StrategyDescription[];
  /** Label names; the class ids below index them. */
  readonly class_names: string[];
  /** The class ids each experience holds, per seed (the class order can differ between seeds). */
  readonly experience_classes: number[][][];
  /** c[i][k]: accuracy on class k after training through experience i, per seed (NaN: no test sample of k). */
  readonly class_accuracy: number[][][];
}

/** Mean and sample standard deviation (n − 1; 0 for one seed) of a metric, with its definition. */
export function seedStatistic(values: readonly MetricValue[]): SeedStatistic {
  const xs = values.map((v) => v.value);
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  const variance = xs.length < 2 ? 0 : xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  return { mean, std: Math.sqrt(variance), definition: describeDefinition(values[0]!.definition) };
}

/** Runs a strategy on a benchmark once per seed and summarises the runs. */
export async function runBenchmark(options: RunBenchmarkOptions): Promise<BenchmarkReport> {
  const { benchmark } = options;
  const factory = strategyFactory(options.strategy);
  const resolved = resolveRun(benchmark, options.strategy, {
    ...(options.settings === undefined ? {} : { settings: options.settings }),
    ...(options.options === undefined ? {} : { options: options.options }),
  });
  const { settings } = resolved;
  const epochs = strategyEpochs(strategyCapabilities(options.strategy), settings);
  const results: ExperimentResult[] = [];
  const wall: number[] = [];
  const descriptions: StrategyDescription[] = [];
  let scenario = '';
  let classNames: readonly string[] = [];
  const experienceClasses: number[][][] = [];
  for (const seed of options.seeds) {
    const started = performance.now();
    const built = await benchmark.build({
      seed,
      settings,
      executor: options.executor,
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(options.encoderDir === undefined ? {} : { encoderDir: options.encoderDir }),
      ...(options.textData === undefined ? {} : { textData: options.textData }),
      ...(options.experiences === undefined ? {} : { experiences: options.experiences }),
      ...(options.evaluateOn === undefined ? {} : { evaluateOn: options.evaluateOn }),
    });
    scenario = built.kind;
    classNames = built.classNames;
    experienceClasses.push(built.plan.map((e) => [...e.classes]));
    const strategy = factory({
      executor: options.executor,
      // No label is declared up front: the head grows as classes arrive, as in a deployed model.
      classifier: { ...built.classifier, classes: 0 },
      optimizer: settings.optimizer,
      learningRate: settings.learningRate,
      batchSize: settings.batchSize,
      epochs: epochs.strategy,
      seed,
      options: resolved.options,
      ...(built.text === undefined ? {} : { text: built.text }),
      ...(options.indexFactory === undefined ? {} : { indexFactory: options.indexFactory }),
    });
    const totalBatches = built.plan.reduce((n, e) => n + [...e.batches()].length, 0) * epochs.loop;
    const { logger } = options;
    logger?.runStart({ benchmark: benchmark.name, strategy: options.strategy, seed, settings: { ...settings }, options: resolved.options });
    let step = 0;
    const result = await runExperiment(strategy, built.plan, {
      epochs: epochs.loop,
      onProgress: (event) => {
        if (event.kind === 'batch') {
          step += 1;
          logger?.step({
            step,
            experience: event.experience,
            batch: event.batch,
            samples: event.samples,
            ...(event.loss === undefined ? {} : { loss: event.loss }),
          });
        } else
          logger?.evaluation({ after: event.after, step, accuracy: event.row, meanSeenAccuracy: meanSeenAccuracy(event.row, event.after) });
        options.onProgress?.(seed, event, totalBatches);
      },
    });
    results.push(result);
    wall.push((performance.now() - started) / 1000);
    logger?.runEnd({
      step,
      acc: result.acc.value,
      bwt: result.bwt.value,
      fwt: result.fwt.value,
      forgetting: result.forgetting.value,
      wallS: wall.at(-1)!,
    });
    descriptions.push(strategy.describe?.() ?? {});
  }
  return {
    benchmark: benchmark.name,
    strategy: options.strategy,
    seeds: options.seeds,
    settings,
    options: resolved.options,
    ...(resolved.strategyDefaults === undefined ? {} : { strategy_defaults: resolved.strategyDefaults }),
    scenario,
    acc: seedStatistic(results.map((r) => r.acc)),
    bwt: seedStatistic(results.map((r) => r.bwt)),
    fwt: seedStatistic(results.map((r) => r.fwt)),
    forgetting: seedStatistic(results.map((r) => r.forgetting)),
    matrix: results.map((r) => r.matrix),
    random_init: results.map((r) => r.randomInit),
    seed_wall_s: wall,
    strategy_description: descriptions,
    class_names: [...classNames],
    experience_classes: experienceClasses,
    class_accuracy: results.map((r) => r.classAccuracy),
  };
}
