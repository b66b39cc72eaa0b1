/** Continual-learning strategies, one file per method (paper cited), one interface, and the experiment loop. */
export { Classifier, argmaxRows, checkBatch, checkFeatures, checkLabels, noClass } from './classifier.js';
export { ClassIndex, growToFit } from './class-index.js';
export { savedClassCount } from './class-count.js';
export { naive, NAIVE_OPTIONS } from './naive.js';
export { joint, JOINT_OPTIONS } from './joint.js';
export { er, ER_DEFAULTS, ER_OPTIONS } from './er.js';
export { mir, MIR_DEFAULTS, MIR_OPTIONS } from './mir.js';
export { InterferedReplay, interferenceRunner, mostInterfered } from './interference.js';
export { composedVirtualStep } from './composed-virtual-step.js';
export type { Interference, ScoredRows } from './interference.js';
export { ReservoirMemory } from './reservoir-memory.js';
export type { MemoryBatch, MemorySample, MemorySnapshot, ReservoirMemoryOptions, SampleFilter } from './reservoir-memory.js';
export { IN_PROCESS_MEMORY, listenedMemoryPort, memoryPortOf } from './memory-port.js';
export type { MemoryDescription, MemoryPort } from './memory-port.js';
export { HeldSetChange } from './memory-listener.js';
export type { HeldRows, MemoryListener } from './memory-listener.js';
export { checkReplayBatch, exclusionFilter, REPLAY_EXCLUSIONS, REPLAY_IO, ReplayTrainer, withSampleWeights } from './replay-trainer.js';
export type { LabelledRows, ReplayExclusion } from './replay-trainer.js';
export { curriculum, curriculumOptions, CURRICULUM_OPTIONS, CURRICULUM_ORDERS } from './curriculum.js';
export type { CurriculumHooks, CurriculumOptions, CurriculumOrder, CurriculumStep, CurriculumStrategy, RescoreMode } from './curriculum.js';
export { active, activeOptions, ACTIVE_OPTIONS, labelBudget } from './active.js';
export type { ActiveOptions, ActiveRound, ActiveStrategy } from './active.js';
export { ACQUISITION_NAMES, acquisitionScores, topK } from './acquisition.js';
export type { AcquisitionName } from './acquisition.js';
export { difficultyBands, difficultyOf, difficultyScores, easyFirstOrder, SCORING_RULES, softmaxRows } from './difficulty.js';
export type { BandThresholds, DifficultyBand, DifficultyScores, ScoringRule } from './difficulty.js';
export { PACING_NAMES, pacingFunction, releasedCount } from './pacing.js';
export type { PacingFunction, PacingName, PacingOptions } from './pacing.js';
export { checkIds, ExperiencePool, gatherSamples } from './experience-pool.js';
export type { ExperiencePoolState } from './experience-pool.js';
export { OptionReader } from './option-reader.js';
export type { NumberBounds } from './option-reader.js';
export {
  boolean,
  choice,
  computed,
  defaultText,
  defineOptions,
  formatOptionsHelp,
  formatStrategyOptionsHelp,
  integer,
  needed,
  number,
  rangeText,
} from './option-schema.js';
export type {
  BooleanSpec,
  ChoiceSpec,
  ComputedDefault,
  NumberSpec,
  OptionContext,
  OptionSchema,
  OptionSpec,
  OptionSpecs,
  OptionValue,
  OptionValues,
} from './option-schema.js';
export { taskHeads, TASK_HEADS_DEFAULTS, TASK_HEADS_OPTIONS } from './task-heads.js';
export { expandingHead, EXPANDING_HEAD_DEFAULTS, EXPANDING_HEAD_OPTIONS } from './expanding-head.js';
export { adapter, ADAPTER_DEFAULTS, ADAPTER_OPTIONS, PAIR_IO } from './adapter.js';
export type { AdaptMode } from './adapter.js';
export { ADAPTER_PARAMS, BlockHead, blockSoftmaxMax, HEAD_KINDS, l2Normalize } from './block-head.js';
export type { BlockHeadOptions, BlockHeadSnapshot, HeadKind } from './block-head.js';
export { l2p, l2pOptions, L2P_DEFAULTS, L2P_OPTIONS, L2P_POOL_SALT } from './l2p.js';
export type { L2pMask, L2pOptions } from './l2p.js';
export { dualPrompt, dualPromptOptions, DUAL_PROMPT_OPTIONS, DUAL_PROMPT_PARAMS } from './dual-prompt.js';
export type { DualPromptOptions } from './dual-prompt.js';
export { PromptedRetriever } from './prompted-retriever.js';
export type { PromptedRetrieverOptions, PromptedRetrieverState, RetrievalPair, RetrievalStep } from './prompted-retriever.js';
export { PREFIX_POOL_STRATEGIES, prefixPoolOf, withPrefixPool } from './prefix-pools.js';
export type { PoolTensor, PrefixPool } from './prefix-pools.js';
export { codaPrompt, codaPromptOptions, CODA_PROMPT_OPTIONS, CODA_PROMPT_PARAMS } from './coda-prompt.js';
export type { CodaPromptOptions } from './coda-prompt.js';
export { buildL2pGraph, L2P_IO } from './l2p-graphs.js';
export type { L2pGraphSpec, L2pPooling } from './l2p-graphs.js';
export { initPromptPool, initPromptPoolYielding, normalisedFrequency, POOL_PARAMS, scatterAddRows, selectPrompts } from './prompt-pool.js';
export type { PromptPoolShape } from './prompt-pool.js';
export { clipGlobalNormInPlace, sparseUpdate } from './sparse-update.js';
export { adamStep, AdamVector } from './host-adam.js';
export type { AdamHyper, AdamMoments } from './host-adam.js';
export type { TouchedRows } from './sparse-update.js';
export type { TextInputs } from './text-inputs.js';
export { createDistill, distill, DISTILL_OPTIONS, DISTILL_STRATEGY_DEFAULTS } from './distill.js';
export type { DistillExtras, DistillFailure, DistillStrategy } from './distill.js';
export { localDistillPort, mlpDistillNetwork } from './distill-port.js';
export type { DistillPort, DistillRequest } from './distill-port.js';
export {
  buildBilevelGraph,
  checkDistillOptions,
  DISTILL_DEFAULTS,
  DISTILL_IO,
  DISTILL_METHODS,
  Distiller,
  featureMapModel,
  syntheticClassifier,
} from './distillation.js';
export type { BilevelGraph, DistillData, DistillOptions, DistillResult } from './distillation.js';
export { networkWeights } from './distill-network.js';
export type { DistillInputSpace, DistillNetwork, FeatureMap } from './distill-network.js';
export { fitTokens, textInputSpace } from './distill-text-space.js';
export { buildMatchingGraph, MATCHING_IO } from './gradient-matching.js';
export { checkDistilledSet, DISTILLED_SET_FORMAT, distilledSetFromBytes, distilledSetToBytes } from './distilled-set.js';
export type { DistilledSet, DistilledSetSource, DistillMethod, ShapedFloats } from './distilled-set.js';
export { knn, KNN_DEFAULTS, KNN_OPTION_SPECS, KNN_OPTIONS, readKnnOptions } from './knn.js';
export { knnHead, KNN_HEAD_DEFAULTS, KNN_HEAD_OPTIONS } from './knn-head.js';
export { KnnMemory } from './knn-memory.js';
export type { KnnMemoryBatch, KnnMemoryOptions, KnnMemorySnapshot, NeighbourRows, VoteOptions } from './knn-memory.js';
export { ExactIndex } from './exact-index.js';
export {
  STRATEGIES,
  STRATEGY_CAPABILITIES,
  STRATEGY_OPTIONS,
  STRATEGY_REGISTRY,
  strategyCapabilities,
  strategyFactory,
  strategyOptions,
  strategyOptionsHelp,
  strategyRegistration,
} from './registry.js';
export type { StrategyRegistration } from './registry.js';
export type { PromptPoolMethod, StrategyCapabilities } from './capabilities.js';
export { endStep, learnStep } from './experience-steps.js';
export { runExperiment } from './run-experiment.js';
export type { ExperiencePlan, ExperimentResult, ProgressEvent, RunOptions } from './run-experiment.js';
export type {
  BatchShape,
  ClassifierSpec,
  ExperienceInfo,
  LabelledBatch,
  LearnStats,
  PredictOptions,
  Strategy,
  StrategyContext,
  StrategyDescription,
  StrategyFactory,
  StrategyState,
} from './strategy.js';
export { gcvScore, ranpac, RANPAC_DEFAULTS, RANPAC_OPTIONS, ranpacProjection } from './ranpac.js';
export { choleskyInPlace, DenseSolver, lowerInverse } from './dense-solve.js';
export type { CholeskyWithInverse } from './dense-solve.js';
export { GramStatistics } from './gram-statistics.js';
export type { GramPrecision, GramSnapshot } from './gram-statistics.js';
