import type { Executor, NearestNeighbourIndexFactory, OptimizerSpec, ParameterStore } from '@mneme/execution';
import type { DistillPort } from './distillation/distill-port.js';
import type { MemoryPort } from './replay/memory-port.js';
import type { TextInputs } from './core/text-inputs.js';

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

/** What one {@link Strategy.learn} call that trained reports, for experiment logs. */
export interface LearnStats {
  /** The objective of the step on the batch, before the update, as the train step computed it (no extra forward pass). */
  readonly loss: number;
}

/** Options of {@link Strategy.predict}. */
export interface PredictOptions {
  /**
   * Task id for task-incremental prediction: strategies that use it (task heads, the prompt
   * strategies) predict only that task's classes; the others predict the same with or without it.
   */
  readonly taskId?: number;
  /**
   * Token ids (`[CLS] … [SEP]`) of each row's text, for token-level strategies (l2p) on text
   * models: the services pass them (they have the texts); without them such strategies map rows
   * back to tokens through {@link TextInputs.tokensOfFeatures} (`mneme run`). Others ignore them.
   */
  readonly tokens?: readonly (readonly number[])[];
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
  /**
   * Learns from one incoming batch (online: each batch is seen once); every label is below {@link classCount}.
   * Strategies that ran an optimizer step on the batch resolve its {@link LearnStats} (for logs);
   * those that train nothing per batch (memories, fitted heads, training at experience end) resolve nothing.
   */
  learn(batch: LabelledBatch): Promise<LearnStats | void>;
  /**
   * Makes room for `count` classes: the new ones are the class indices from {@link classCount} up.
   * A deployed model learns its labels as they arrive, so the loop calls this before the first batch
   * (or experience start) that holds a new class; heads grow a column, memories a class. A count
   * at or below {@link classCount} changes nothing.
   */
  growClasses(count: number): void;
  /** Classes the strategy knows now (it never predicts a class at or above this; −1 is "no class"). */
  classCount(): number;
  endExperience(info: ExperienceInfo): Promise<void>;
  /** Class index per sample of `features` (`count × inputSize`); −1 while the strategy knows no class. */
  predict(features: Float32Array, options?: PredictOptions): Promise<Int32Array>;
  /** A deep copy of the strategy's state. */
  saveState(): StrategyState;
  /** Replaces the strategy's state with a copy of `state`. */
  restoreState(state: StrategyState): void;
  /**
   * What the strategy holds now, for reports and the conformance suite (which checks that a memory
   * never exceeds its capacity). Optional: strategies without a memory may leave it out.
   */
  describe?(): StrategyDescription;
  /**
   * Forgets samples by id (a data-deletion request): removes them from the strategy's index and
   * from every memory, pool and distillation source that holds them; returns how many held samples
   * were removed. The loop never offers forgotten samples again. How far the model unlearns them is
   * {@link unlearning}. Optional: strategies that keep no samples may leave it out.
   */
  forget?(ids: Iterable<number>): number;
  /**
   * How far {@link forget} unlearns: `exact` (nothing kept depends on the samples: a kNN memory),
   * `retrained` (the next version is retrained from its initialisation without them: joint), or
   * `excluded` (the default: never replayed or trained on again, but weights already trained on
   * them keep what those steps learned).
   */
  readonly unlearning?: 'exact' | 'retrained' | 'excluded';
}

/** A strategy's self-description (see {@link Strategy.describe}); every field is optional. */
export interface StrategyDescription {
  /** Samples held in the strategy's memory now. */
  readonly memorySize?: number;
  /** Most samples the memory may hold. */
  readonly memoryCapacity?: number;
  /**
   * Settings the strategy chose itself, for reports (e.g. ranpac's ridge strength chosen by
   * cross-validation, joint's L2 strength picked on held-out data at its last retrain).
   */
  readonly choices?: Readonly<Record<string, number | string>>;
}

/** The architecture a strategy trains: an MLP from `inputSize` through `hidden` to `classes`. */
export interface ClassifierSpec {
  readonly inputSize: number;
  /** Hidden layer widths; `[]` is a linear head. */
  readonly hidden: readonly number[];
  /** Classes the strategy starts with (labels declared up front, often 0); more arrive through {@link Strategy.growClasses}. */
  readonly classes: number;
}

/** What a batch is checked against: its row width and the classes known now. */
export interface BatchShape {
  readonly inputSize: number;
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
  /** Token-level inputs of text benchmarks (absent elsewhere); only text-aware strategies (l2p) read them. */
  readonly text?: TextInputs;
  /**
   * Makes the nearest-neighbour index of retrieval strategies (knn, knn-head) for a vector width.
   * The CLI and benchmarks inject the native HNSW index of libs/vector-index; when absent,
   * strategies fall back to a pure exact-search index (fine for small sets and tests).
   */
  readonly indexFactory?: NearestNeighbourIndexFactory;
  /**
   * Where the `distill` strategy condenses an experience in feature space. In-process when absent
   * (`mneme run`); the trainer service binds the distiller service.
   */
  readonly distiller?: DistillPort;
  /**
   * Where the strategy's kept samples live (see memory-port.ts). In-process when absent
   * (`mneme run`); the trainer service binds the replay-memory service.
   */
  readonly memory?: MemoryPort;
}

/** Builds a strategy for a context. */
export type StrategyFactory = (ctx: StrategyContext) => Strategy;
