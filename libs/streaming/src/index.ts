/** The learning loop over a stream: batching samples into a strategy, experience boundaries, checkpoints, the accuracy ledger. */
export { AccuracyLedger } from './accuracy-ledger.js';
export type { LedgerMetrics, LedgerSnapshot } from './accuracy-ledger.js';
export { classifierOf, defineModel, TRAINING_OPTION_KEYS } from './model-definition.js';
export type { InputKind, ModelDefinition, StreamSettings } from './model-definition.js';
export type { CloseRecord, ForgetRecord, SampleRecord, StreamRecord } from './stream-records.js';
export { INITIAL_LOOP_STATE, StreamTrainingLoop } from './stream-training-loop.js';
export type { ExperienceEndHook, LoopState, StreamTrainingLoopOptions } from './stream-training-loop.js';
