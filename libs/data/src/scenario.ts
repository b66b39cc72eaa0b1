import type { DataPart } from './data-part.js';
import type { Dataset } from './dataset.js';

/** The three continual-learning settings of van de Ven & Tolias (2019). */
export type ScenarioKind = 'class-incremental' | 'task-incremental' | 'domain-incremental';

/**
 * What a learner gets to train on in one experience. `taskId` is set in task-incremental
 * scenarios only.
 */
export interface TrainingView<X> extends DataPart<X> {
  readonly taskId?: number;
}

/**
 * What a learner is evaluated on outside task-incremental scenarios: samples and labels, and no
 * `taskId` field at all, so a model cannot be handed the task at test time by mistake.
 */
export type EvaluationView<X> = DataPart<X>;

/** What a learner is evaluated on in a task-incremental scenario: the task id comes with the samples. */
export interface TaskEvaluationView<X> extends DataPart<X> {
  readonly taskId: number;
}

/** The training view of a scenario kind: a task id is guaranteed in task-incremental scenarios. */
export type TrainingViewOf<X, K extends ScenarioKind> = K extends 'task-incremental'
  ? TrainingView<X> & { readonly taskId: number }
  : TrainingView<X>;

/** The evaluation view of a scenario kind: {@link TaskEvaluationView} only when task-incremental. */
export type EvaluationViewOf<X, K extends ScenarioKind> = K extends 'task-incremental' ? TaskEvaluationView<X> : EvaluationView<X>;

/** One step of a scenario: the classes it introduces (or all, domain-incremental) and its three parts. */
export interface Experience<X, K extends ScenarioKind = ScenarioKind> {
  /** Position in the scenario, from 0; also the task id when task-incremental. */
  readonly index: number;
  /** Class indices (into the scenario's `classes`) whose samples this experience holds. */
  readonly classes: readonly number[];
  /** Training samples, in a seeded order. */
  readonly train: TrainingViewOf<X, K>;
  /** Validation samples, in data-set order. */
  readonly validation: EvaluationViewOf<X, K>;
  /** Held-out test samples, in data-set order: the column of the accuracy matrix. */
  readonly test: EvaluationViewOf<X, K>;
}

/** A sequence of experiences drawn from one data set, fully determined by its seed. */
export interface Scenario<X, K extends ScenarioKind = ScenarioKind> {
  readonly kind: K;
  /** Every class name; labels everywhere in the scenario are indices into this list. */
  readonly classes: readonly string[];
  readonly experiences: readonly Experience<X, K>[];
  /** The seed the scenario was built with. */
  readonly seed: number;
  /** Name of the data set it was built from. */
  readonly dataset: string;
  /** Shape of one sample's input; `undefined` for text. */
  readonly inputShape: readonly number[] | undefined;
}

/** Assembles a frozen scenario from its experiences. */
export function assembleScenario<X, K extends ScenarioKind>(
  kind: K,
  dataset: Dataset<X>,
  seed: number,
  experiences: readonly Experience<X, K>[],
): Scenario<X, K> {
  return Object.freeze({
    kind,
    classes: dataset.classes,
    experiences: Object.freeze([...experiences]),
    seed,
    dataset: dataset.name,
    inputShape: dataset.inputShape,
  });
}
