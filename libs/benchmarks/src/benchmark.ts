import type { Executor, OptimizerSpec } from '@mneme/execution';
import type { ClassifierSpec, ExperiencePlan, TextInputs } from '@mneme/methods';

/** Tuned settings of a benchmark, kept as data (overridable from the CLI). */
export interface BenchmarkSettings {
  /** Incoming batch size (the online protocol's b). */
  readonly batchSize: number;
  /** Passes over each experience (1 = online, single pass). */
  readonly epochs: number;
  readonly learningRate: number;
  readonly optimizer: OptimizerSpec;
  /** Hidden widths of the trained MLP; `[]` is a linear head. */
  readonly hidden: readonly number[];
  /** Passes of offline strategies (the joint i.i.d. reference) over all data seen, at each experience's end. */
  readonly jointEpochs: number;
}

/** What building a benchmark for one seed yields. */
export interface BuiltBenchmark {
  readonly plan: ExperiencePlan[];
  readonly classifier: ClassifierSpec;
  readonly classNames: readonly string[];
  /** Scenario kind, for the report. */
  readonly kind: string;
  /** Token-level view of a text benchmark's samples, handed to strategies as `StrategyContext.text`. */
  readonly text?: TextInputs;
  /** A text benchmark's texts by data-set index (the plan's sample ids), for streaming them as text. */
  readonly texts?: readonly string[];
}

/** Options every benchmark builder accepts. */
export interface BuildOptions {
  readonly seed: number;
  /** Settings after CLI overrides. */
  readonly settings: BenchmarkSettings;
  /** Where prepared data sets live. @default MNEME_DATA_DIR or ../shared/data */
  readonly dataDir?: string;
  /** Runs the frozen text encoder for text benchmarks. */
  readonly executor: Executor;
  /** Text encoder in the model store. @default .mneme/models/all-MiniLM-L6-v2 */
  readonly encoderDir?: string;
  /** For the generic text benchmark: the folder of JSONL/CSV files. */
  readonly textData?: string;
  /** For the generic text benchmark: number of experiences. */
  readonly experiences?: number;
  /**
   * Which part of each experience scores the run: `test`, or `validation` to choose settings without
   * looking at test (`mneme run --tune`). @default the benchmark's own (test, or validation for clinc150-val)
   */
  readonly evaluateOn?: 'test' | 'validation';
}

/**
 * Defaults of one strategy on one benchmark, chosen on the benchmark's validation split (never on
 * test). They apply over the benchmark's defaults and under the CLI's flags and `--set` options.
 */
export interface StrategyDefaults {
  /** Settings that differ from the benchmark's defaults for this strategy (e.g. its learning rate). */
  readonly settings?: Partial<BenchmarkSettings>;
  /** Strategy options (`--set key=value`) that differ from the strategy's own defaults. */
  readonly options?: Readonly<Record<string, string>>;
  /** Where the values were chosen, e.g. `clinc150-val, seeds 0-1, ACC (results/....json)`. */
  readonly chosenOn: string;
}

/** A named benchmark: its protocol in words, its defaults, and how to build it. */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  readonly defaults: BenchmarkSettings;
  /** Per-strategy defaults chosen on this benchmark's validation split, by strategy name. */
  readonly strategyDefaults?: Readonly<Record<string, StrategyDefaults>>;
  build(options: BuildOptions): Promise<BuiltBenchmark>;
}
