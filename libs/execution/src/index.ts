/**
 * The execution interface strategies run on (forward, train steps, virtual steps, fused MIR steps, gradients),
 * parameter stores and optimizer specs. libs/engine implements it on ONNX Runtime.
 */
export { ParameterStore } from './parameter-store.js';
export type { Float32Tensor } from './parameter-store.js';
export type { AdamSpec, OptimizerSpec, SgdSpec } from './optimizer-spec.js';
export type {
  Executor,
  Feeds,
  ForwardRequest,
  GradientRequest,
  GradientResult,
  InterferedReplayStepResult,
  InterferedReplayStepRunner,
  InterferedReplayStepSpec,
  LearningRate,
  TrainStepResult,
  TrainStepRunner,
  TrainStepSpec,
  VirtualStepResult,
  VirtualStepRunner,
  VirtualStepSpec,
} from './executor.js';
export type {
  IndexEntries,
  IndexMetadata,
  NearestNeighbourIndex,
  NearestNeighbourIndexFactory,
  NeighbourHits,
} from './nearest-neighbour-index.js';
