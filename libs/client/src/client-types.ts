/** A model version's lifecycle state. */
export type VersionStateName = 'candidate' | 'promoted' | 'retired' | 'unspecified';

/** What is known about one model version. */
export interface VersionInfo {
  readonly modelId: string;
  readonly version: number;
  /** `promoted` serves version 0; `candidate` was written by the trainer; `retired` was superseded. */
  readonly state: VersionStateName;
  /** Last experience trained on; undefined for the untrained version 1. */
  readonly trainedThrough: number | undefined;
  readonly samplesSeen: number;
  /** Label names in class order: the classes this version learned. */
  readonly labels: readonly string[];
  readonly createdAt: Date;
}

/** One input: dense features, or a text for models built on a text encoder. */
export type ModelInput = Float32Array | readonly number[] | string;

/** One training sample as an integrator has it. Exactly one of `features` and `text`. */
export interface SampleInput {
  /** Unique within the model; repeats are dropped by the trainer, not retrained. */
  readonly id: string;
  /** Class label name; a label the model has not seen adds a class (≤ 256 UTF-8 bytes). */
  readonly label: string;
  readonly features?: Float32Array | readonly number[];
  readonly text?: string;
  /** 0-based experience the sample belongs to. */
  readonly experience: number;
  /** Task id, for task-incremental models only. */
  readonly taskId?: number;
}

/** What {@link MnemeClient.createModel} builds. */
export interface CreateModelOptions {
  readonly modelId: string;
  /** A builder such as `mlp:784-400-400`, or an encoder of the model store such as `all-MiniLM-L6-v2`. */
  readonly base: string;
  /** Label names known up front, in class order; optional: labels that arrive with samples add classes. @default [] */
  readonly labels?: readonly string[];
  /** Strategy name (`naive`, `er`, `mir`, ...) with its options as text. @default naive */
  readonly strategy?: string | { readonly name: string; readonly options?: Readonly<Record<string, string>> };
  /** @default 'class-incremental' */
  readonly scenario?: 'class-incremental' | 'task-incremental' | 'domain-incremental';
  /** @default 0 */
  readonly seed?: number;
}

/** The model version that served a request. */
export interface ServedBy {
  readonly modelId: string;
  readonly version: number;
}

/** One label with its probability. */
export interface LabelScore {
  readonly label: string;
  readonly probability: number;
}

/** Predictions of {@link MnemeClient.predict}: per input, the most probable label first. */
export interface PredictResult {
  readonly servedBy: ServedBy;
  readonly predictions: readonly (readonly LabelScore[])[];
}

/** Embeddings of {@link MnemeClient.embed}, one vector per input. */
export interface EmbedResult {
  readonly servedBy: ServedBy;
  readonly dimension: number;
  readonly vectors: readonly Float32Array[];
}

/** What a forget request did (see {@link MnemeClient.forget}). */
export interface ForgetResult {
  readonly forgottenIds: readonly string[];
  /** Versions whose training saw at least one of the samples. */
  readonly versionsTrainedOnThem: readonly number[];
  /** `exact`: nothing kept depends on them; `retrained`: the next version never saw them; `excluded`: never trained on again. */
  readonly unlearning: 'exact' | 'retrained' | 'excluded';
  /** Samples removed from the model's memories by this call. */
  readonly removedFromMemory: number;
}

/** Progress of a model's trainer. */
export interface TrainingStatus {
  readonly modelId: string;
  readonly strategy: string;
  /** The experience being trained; undefined before the first sample. */
  readonly currentExperience: number | undefined;
  readonly samplesTrained: number;
  readonly optimizerSteps: number;
  /** Samples ingested but not trained yet. */
  readonly backlog: number;
  readonly latestVersion: VersionInfo | undefined;
}

/** A model's accuracy matrix and its summary metrics, as the evaluator keeps them. */
export interface AccuracyMatrix {
  /** Row i: accuracies on every experience after training through experience `afterExperience`. */
  readonly rows: readonly { readonly afterExperience: number; readonly accuracies: readonly number[] }[];
  /** ACC, BWT, FWT and forgetting with their definitions; undefined before the first row. */
  readonly metrics:
    | {
        readonly acc: number;
        readonly bwt: number;
        readonly fwt: number;
        readonly forgetting: number;
        readonly definitions: Readonly<Record<string, string>>;
      }
    | undefined;
  /** Accuracy of the untrained model per experience (for FWT), when known. */
  readonly randomInitAccuracies: readonly number[];
}
