import type { Executor, OptimizerSpec, ParameterStore } from '@mneme/execution';

/** The start or end of an experience, as a boundary-aware strategy learns of it. */
export interface ExperienceInfo {
  /** Position of the experience in the stream, from 0. */
  readonly index: number;
  /** Class indices the experience introduces (all classes, domain-incremental). */
  readonly classes: readonly number[];
  /** Task id, in task-incremental scenarios only. */
  readonly taskId?: number;
}

/** An incoming labelled batch: `features` is `count × inputSize`, row-major. */
export interface LabelledBatch {
  readonly features: Float32Array;
  /** Class index of each sample. */
  readonly labels: Int32Array;
  /** Stable sample ids (for memories and de-duplication). */
  readonly ids: Int32Array;
  /** Index of the experience the batch belongs to. */
  readonly experience: number;
  /** Task id, in task-incremental scenarios only. */
  readonly taskId?: number;
}

/** Options of {@link Strategy.predict}. */
export interface PredictOptions {
  /** Task id for task-incremental prediction (restricts to that task's classes). */
  readonly taskId?: number;
}

/**
 * Everything a strategy holds, for save and restore: parameters and optimizer state, plus
 * JSON-safe bookkeeping (memories, counters, random state).
 */
export interface StrategyState {
  readonly params: ParameterStore;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * A continual learner: the same few verbs for every method. Strategies are told experience
 * boundaries, learn from incoming batches, and predict at any time (also before learning).
 */
export interface Strategy {
  /** The CLI name (`naive`, `joint`, `er`, ...). */
  readonly name: string;
  beginExperience(info: ExperienceInfo): Promise<void>;
  /** Learns from one incoming batch (online: each batch is seen once). */
  learn(batch: LabelledBatch): Promise<void>;
  endExperience(info: ExperienceInfo): Promise<void>;
  /** Class index per sample of `features` (`count × inputSize`). */
  predict(features: Float32Array, options?: PredictOptions): Promise<Int32Array>;
  /** A deep copy of the strategy's state. */
  saveState(): StrategyState;
  /** Replaces the strategy's state with a copy of `state`. */
  restoreState(state: StrategyState): void;
}

/** The architecture a strategy trains: an MLP from `inputSize` through `hidden` to `classes`. */
export interface ClassifierSpec {
  readonly inputSize: number;
  /** Hidden layer widths; `[]` is a linear head. */
  readonly hidden: readonly number[];
  readonly classes: number;
}

/** What every strategy is built with. */
export interface StrategyContext {
  readonly executor: Executor;
  readonly classifier: ClassifierSpec;
  readonly optimizer: OptimizerSpec;
  readonly learningRate: number;
  /** Batch size for the strategy's own (offline or replay) training. */
  readonly batchSize: number;
  /** Passes over the data for offline training (joint, per-experience epochs). */
  readonly epochs: number;
  readonly seed: number;
  /** Method-specific options (memory size, C, k, ...), as given on the CLI. */
  readonly options: Readonly<Record<string, string>>;
}

/** Builds a strategy for a context. */
export type StrategyFactory = (ctx: StrategyContext) => Strategy;
