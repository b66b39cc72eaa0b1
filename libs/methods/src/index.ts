/**
 * Continual-learning strategies, one file per method (paper cited) in a folder per family, one
 * interface, the registry and the experiment loop. The barrel holds what code outside the library
 * uses: the strategies, their interface and registry, the loop, and the few building blocks the
 * services run themselves (MIR scoring, prompt selection, the distillation core, the memory port).
 */

// The interface every strategy implements, and the registry that names, builds and describes them.
export type {
  ClassifierSpec,
  ExperienceInfo,
  LabelledBatch,
  Strategy,
  StrategyContext,
  StrategyDescription,
  StrategyState,
} from './strategy.js';
export {
  STRATEGIES,
  STRATEGY_CAPABILITIES,
  STRATEGY_OPTIONS,
  STRATEGY_REGISTRY,
  strategyCapabilities,
  strategyFactory,
  strategyOptionsHelp,
} from './registry.js';
export { PROMPT_POOL_KINDS } from './capabilities.js';
export type { PromptPoolKind, PromptPoolMethod, StrategyCapabilities } from './capabilities.js';
export { formatOptionsHelp, rangeText } from './option-schema.js';
export type { OptionSpec } from './option-schema.js';

// The experiment loop and the per-batch and end-of-experience steps every loop shares.
export { runExperiment } from './run-experiment.js';
export type { ExperiencePlan, ExperimentResult, ProgressEvent } from './run-experiment.js';
export { endStep, learnStep } from './experience-steps.js';

// The strategies, by family.
export { joint } from './baselines/joint.js';
export { naive } from './baselines/naive.js';
export { er } from './replay/er.js';
export { mir } from './replay/mir.js';
export { adapter } from './heads/adapter.js';
export { expandingHead } from './heads/expanding-head.js';
export { ranpac } from './heads/ranpac.js';
export { taskHeads } from './heads/task-heads.js';
export { knn } from './retrieval/knn.js';
export { knnHead } from './retrieval/knn-head.js';
export { codaPrompt } from './prompting/coda-prompt.js';
export { dualPrompt } from './prompting/dual-prompt.js';
export { l2p, L2P_DEFAULTS, L2P_POOL_SALT } from './prompting/l2p.js';
export { createDistill, distill } from './distillation/distill.js';
export type { DistillFailure, DistillStrategy } from './distillation/distill.js';
export { active, labelBudget } from './curriculum/active.js';
export { curriculum } from './curriculum/curriculum.js';
export type { CurriculumStep } from './curriculum/curriculum.js';
export { ACQUISITION_NAMES } from './curriculum/acquisition.js';
export { softmaxRows } from './curriculum/difficulty.js';

// Shared model pieces: the classifier head, class order, token inputs.
export { argmaxRows, Classifier } from './core/classifier.js';
export { ClassIndex } from './core/class-index.js';
export type { TextInputs } from './core/text-inputs.js';

// Replay: the memory port (where kept samples live) and MIR's scoring, which the replay-memory service runs.
export { ReservoirMemory } from './replay/reservoir-memory.js';
export type { MemorySnapshot } from './replay/reservoir-memory.js';
export { listenedMemoryPort } from './replay/memory-port.js';
export type { MemoryDescription, MemoryPort } from './replay/memory-port.js';
export type { HeldRows, MemoryListener } from './replay/memory-listener.js';
export { interferenceRunner, mostInterfered } from './replay/interference.js';

// Prompting: the prompt pool the prompt-pool service holds and selects from, and dense retrieval with prompts.
export { buildL2pGraph, L2P_IO } from './prompting/l2p-graphs.js';
export { initPromptPool, initPromptPoolYielding, POOL_PARAMS, scatterAddRows, selectPrompts } from './prompting/prompt-pool.js';
export { prefixPoolOf, withPrefixPool } from './prompting/prefix-pools.js';
export type { PoolTensor } from './prompting/prefix-pools.js';
export { sparseUpdate } from './prompting/sparse-update.js';
export { PromptedRetriever } from './prompting/prompted-retriever.js';
export type { PromptedRetrieverOptions, RetrievalPair } from './prompting/prompted-retriever.js';

// Distillation: the core the distiller service runs, its port, and distilled sets as artefacts.
export { checkDistillOptions, DISTILL_DEFAULTS, Distiller } from './distillation/distillation.js';
export type { DistillOptions } from './distillation/distillation.js';
export { mlpDistillNetwork } from './distillation/distill-port.js';
export type { DistillPort, DistillRequest } from './distillation/distill-port.js';
export type { DistillNetwork } from './distillation/distill-network.js';
export { distilledSetFromBytes, distilledSetToBytes } from './distillation/distilled-set.js';
export type { DistilledSet, DistillMethod } from './distillation/distilled-set.js';
