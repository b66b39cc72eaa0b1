import type { Model } from '@mneme/graph';
import type { Tensor } from '@mneme/tensor';
import type { OptimizerSpec } from './optimizer-spec.js';
import type { ParameterStore } from './parameter-store.js';

/** Named tensors fed to or fetched from a graph. */
export type Feeds = Readonly<Record<string, Tensor>>;

/** Learning rate: a constant, or a schedule of the (1-based) update number. */
export type LearningRate = number | ((step: number) => number);

/** Options of {@link Executor.forward}. */
export interface ForwardRequest {
  /** Feed these parameters instead of the model's initializers of the same names (trained weights). */
  params?: ParameterStore;
  /** Values to compute: graph outputs or any intermediate value. @default every graph output */
  fetches?: readonly string[];
}

/** Options of {@link Executor.lossAndGradients}. */
export interface GradientRequest {
  /** Name of the scalar loss value. */
  loss: string;
  /** Values to differentiate: initializers (weights) and/or graph inputs (prompts, distilled samples). */
  wrt: readonly string[];
  /** Feed these parameters instead of the model's initializers of the same names. */
  params?: ParameterStore;
  /** Other values to return too. @default [] */
  keepOutputs?: readonly string[];
}

/** What {@link Executor.lossAndGradients} returns. */
export interface GradientResult {
  readonly loss: number;
  /** wrt name → gradient (same shape as the value). */
  readonly gradients: ReadonlyMap<string, Tensor>;
  readonly outputs: Readonly<Record<string, Tensor>>;
}

/** Options of {@link Executor.trainStep}. */
export interface TrainStepSpec {
  /** The forward model; trainable weights are initializers, other inputs are the batch. */
  model: Model;
  /** Name of the scalar loss. */
  loss: string;
  /** Parameters and optimizer state; updated in place by each step. */
  store: ParameterStore;
  optimizer: OptimizerSpec;
  lr: LearningRate;
  /** Parameters to train. @default every parameter in `store` */
  trainable?: readonly string[];
  /** Other values to return from each step. @default [] */
  keepOutputs?: readonly string[];
}

/** What one train step returns. */
export interface TrainStepResult {
  /** The batch loss before the update. */
  readonly loss: number;
  /** Global gradient norm before clipping (only when the optimizer clips). */
  readonly gradNorm: number | undefined;
  /** The update number just applied. */
  readonly step: number;
  readonly outputs: Readonly<Record<string, Tensor>>;
}

/** A compiled train step: forward, backward and update as one run. */
export interface TrainStepRunner {
  step(batch: Feeds): Promise<TrainStepResult>;
}

/** Options of {@link Executor.virtualStep}. */
export interface VirtualStepSpec {
  model: Model;
  /** Scalar loss differentiated on the incoming batch. */
  loss: string;
  /** Per-sample loss `[batch]`, reported for the candidates. */
  perSampleLoss: string;
  /** Current parameters; read, never changed. */
  store: ParameterStore;
  /** Parameters the virtual update moves. @default every parameter in `store` */
  trainable?: readonly string[];
}

/** What a virtual step returns (MIR's interference scores, for one, are `after − before`). */
export interface VirtualStepResult {
  readonly incomingLoss: number;
  /** Per-sample candidate losses at w. */
  readonly before: Float32Array;
  /** Per-sample candidate losses at w' = w − lr·∇L(incoming), never committed. */
  readonly after: Float32Array;
}

/** A compiled virtual step. */
export interface VirtualStepRunner {
  run(incoming: Feeds, candidates: Feeds, lr: number): Promise<VirtualStepResult>;
}

/** Options of {@link Executor.interferedReplayStep}. */
export interface InterferedReplayStepSpec {
  /** The forward model with its losses; trainable weights are initializers, other inputs are batch-major. */
  model: Model;
  /** Scalar mean loss over a batch (of the incoming and of the replayed rows). */
  loss: string;
  /** Per-sample loss `[batch]`, scored for the candidates. */
  perSampleLoss: string;
  /** Parameters and optimizer state; updated in place by each step. */
  store: ParameterStore;
  optimizer: OptimizerSpec;
  /** Learning rate of the update; the virtual step moves by the same rate. */
  lr: LearningRate;
  /** Parameters to train. @default every parameter in `store` */
  trainable?: readonly string[];
}

/** What one interfered-replay step returns. */
export interface InterferedReplayStepResult {
  /** mean loss(incoming) + mean loss(replay) before the update. */
  readonly loss: number;
  /** Positions of the replayed candidates, most interfered first (ties: lower position first). */
  readonly chosen: readonly number[];
  /** Their interference, loss(w′) − loss(w). */
  readonly scores: readonly number[];
  /** The update number just applied. */
  readonly step: number;
}

/**
 * ER-MIR's whole step as one run (Aljundi et al. 2019): the virtual step on the incoming batch,
 * candidates scored by loss(w′) − loss(w), the `topK` highest replayed, and one update on
 * mean loss(incoming) + mean loss(replay) whose incoming gradient is the virtual step's.
 */
export interface InterferedReplayStepRunner {
  step(incoming: Feeds, candidates: Feeds, topK: number): Promise<InterferedReplayStepResult>;
}

/**
 * What strategies run on: the operations of a training engine, declared here (pure code) and
 * implemented by libs/engine on ONNX Runtime (CPU or CUDA). Strategies never import the runtime.
 */
export interface Executor {
  /** The execution provider in use, e.g. `cpu` or `cuda`. */
  readonly device: string;
  /** Runs a model forward. */
  forward(model: Model, feeds: Feeds, request?: ForwardRequest): Promise<Record<string, Tensor>>;
  /** The loss and its gradients, changing nothing. */
  lossAndGradients(model: Model, feeds: Feeds, request: GradientRequest): Promise<GradientResult>;
  /** A fused train step (compiled per batch shape on first use). */
  trainStep(spec: TrainStepSpec): TrainStepRunner;
  /**
   * A lookahead compiled as one run: candidates' per-sample losses before and after an SGD step on
   * an incoming batch, w′ = w − lr·∇L(incoming), never written back (Maximally Interfered Retrieval
   * scores interference with it). Optional: it computes what {@link lossAndGradients} and two
   * {@link forward} runs at w and w′ do (libs/methods' `composedVirtualStep`, which callers fall
   * back to), in one run instead of three.
   */
  virtualStep?(spec: VirtualStepSpec): VirtualStepRunner;
  /**
   * MIR's virtual step, retrieval and update fused into one run. Optional: an executor without it
   * (a wrapper, a remote engine) leaves callers on the virtual step followed by {@link trainStep}.
   */
  interferedReplayStep?(spec: InterferedReplayStepSpec): InterferedReplayStepRunner;
  /**
   * Frees what was compiled for `model` by {@link forward} and {@link lossAndGradients} (sessions of
   * every shape), when the caller will not run it again: a strategy replacing a graph whose head
   * grew. Optional; running the model later compiles it again.
   */
  release?(model: Model): Promise<void>;
}
