/** The only importer of onnxruntime-node: execution providers, session cache, runners, optimizers, checkpoints. */
export { CheckpointError, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export { CompiledSession } from './compiled-session.js';
export type { SessionRunOptions } from './compiled-session.js';
export { Engine, inputSpecs, threadsFromEnv } from './engine.js';
export type { EngineOptions, EngineSettings, GraphOptimizationLevel, SessionOptions } from './engine.js';
export { EngineError } from './engine-error.js';
export {
  DEVICE_REQUESTS,
  deviceRequestFromEnv,
  EXECUTION_PROVIDERS,
  probeExecutionProvider,
  resolveDevice,
} from './execution-providers.js';
export type {
  DeviceRequest,
  DeviceResolution,
  ExecutionProviderInfo,
  ProbeResult,
  ProviderName,
  ProviderProbe,
  ResolveDeviceOptions,
} from './execution-providers.js';
export { checkFeeds, validateFeeds } from './feed-validation.js';
export type { InputSpec } from './feed-validation.js';
export { silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export { appendOptimizerUpdate, appendGlobalNormClip, optimizerStateSlots, resolveOptimizerSpec } from './optimizers.js';
export type { OptimizerParam, OptimizerScalars, OptimizerUpdate, ResolvedOptimizerSpec } from './optimizers.js';
export { SessionCache } from './session-cache.js';
export type { SessionCacheStats } from './session-cache.js';
export { forward } from './forward.js';
export type { ForwardOptions } from './forward.js';
export { lossAndGradients } from './loss-and-gradients.js';
export type { LossAndGradients, LossAndGradientsOptions } from './loss-and-gradients.js';
export { bindDims, liftInitializers, specializeModel } from './model-preparation.js';
export { TrainStep } from './train-step.js';
export type { TrainStepOptions } from './train-step.js';
export { InterferedReplayStep } from './interfered-replay-step.js';
export type { InterferedReplayStepOptions } from './interfered-replay-step.js';
export { VirtualStep } from './virtual-step.js';
export type { VirtualStepOptions } from './virtual-step.js';
export { createExecutor } from './ort-executor.js';
