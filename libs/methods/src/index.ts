/** Continual-learning strategies, one file per method (paper cited), one interface, and the experiment loop. */
export { Classifier, argmaxRows, checkBatch, checkFeatures, checkLabels } from './classifier.js';
export { naive } from './naive.js';
export { joint } from './joint.js';
export { STRATEGIES, strategyFactory } from './registry.js';
export { runExperiment } from './run-experiment.js';
export type { ExperiencePlan, ExperimentResult, ProgressEvent, RunOptions } from './run-experiment.js';
export type {
  ClassifierSpec,
  ExperienceInfo,
  LabelledBatch,
  PredictOptions,
  Strategy,
  StrategyContext,
  StrategyFactory,
  StrategyState,
} from './strategy.js';
