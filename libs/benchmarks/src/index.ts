/** Benchmark definitions (split-mnist, permuted-mnist, clinc150, generic text): scenario, model and tuned settings as data. */
export { BENCHMARKS, benchmarkByName } from './registry.js';
export { splitMnist, permutedMnistBenchmark } from './mnist-benchmarks.js';
export { planScenario } from './plan.js';
export type { Benchmark, BenchmarkSettings, BuildOptions, BuiltBenchmark, StrategyDefaults } from './benchmark.js';
export { formatStrategyDefaultsHelp, resolveRun, strategyDefaultsText } from './strategy-defaults.js';
export type { AppliedStrategyDefaults, ResolvedRun, RunOverrides } from './strategy-defaults.js';
export { runBenchmark, seedStatistic } from './run-benchmark.js';
export { strategyEpochs } from './strategy-epochs.js';
export type { StrategyEpochs } from './strategy-epochs.js';
export type { BenchmarkReport, RunBenchmarkOptions, SeedStatistic } from './run-benchmark.js';
export {
  CLINC150_STRATEGY_DEFAULTS,
  clinc150Benchmark,
  clinc150TaskBenchmark,
  clinc150ValidationBenchmark,
  textBenchmark,
} from './clinc150-benchmark.js';
export { datasetFeatures, DEFAULT_ENCODER, encoderStore, featureDataset } from './text-features.js';
export { textInputs } from './text-inputs.js';
