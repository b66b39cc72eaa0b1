import { InvalidArgumentError } from '@mneme/errors';
import { ParameterStore, type Executor, type OptimizerSpec, type TrainStepRunner } from '@mneme/execution';
import type { Model } from '@mneme/graph';
import { buildMlp, CLASSIFIER_IO, withCrossEntropyLoss } from '@mneme/models';
import { int64FromInt32, tensor } from '@mneme/tensor';
import { forwardInChunks } from './chunked-forward.js';
import { classColumns, widenClassParam } from './class-columns.js';
import type { BatchShape, ClassifierSpec, LabelledBatch } from '../strategy.js';

/** Salt of the per-class initialisation streams of the output layer. */
const CLASS_COLUMN_SALT = 0xc1a55e5;

/** What a classifier's graphs are, for its current class count. */
interface BuiltGraphs {
  readonly classes: number;
  readonly logitsModel: Model;
  readonly model: Model;
}

/**
 * An MLP classifier trained on the executor: one fused train step per batch (forward, backward,
 * update in one run), batched evaluation. The building block of most strategies.
 *
 * Its output layer grows as classes arrive ({@link growClasses}): each class's column is drawn from
 * a stream seeded by the run seed and the class index alone, so the hidden layers and the existing
 * columns keep their values, and a class's initial column does not depend on when it arrived. A
 * classifier with no class yet has no graph; it predicts −1 (no class) for every row.
 */
export class Classifier {
  store: ParameterStore;
  private trainer: TrainStepRunner | undefined;
  private graphs: BuiltGraphs | undefined;
  private readonly outputLayer: number;

  constructor(
    private readonly executor: Executor,
    readonly spec: ClassifierSpec,
    private readonly optimizer: OptimizerSpec,
    private readonly learningRate: number,
    private readonly seed: number,
  ) {
    if (!Number.isInteger(spec.classes) || spec.classes < 0)
      throw new InvalidArgumentError(`classes must be a non-negative integer, got ${spec.classes}`);
    this.outputLayer = spec.hidden.length;
    this.store = this.initialStore(spec.classes);
  }

  /** Classes the output layer scores now. */
  get classes(): number {
    return this.store.get(this.biasName).shape[0]!;
  }

  /** The classifier with its cross-entropy loss (for train steps); needs at least one class. */
  get model(): Model {
    return this.built().model;
  }

  /** The logits graph; needs at least one class. */
  get logitsModel(): Model {
    return this.built().logitsModel;
  }

  /** Re-initialises the weights for the current classes (same seed → same weights) and drops optimizer state. */
  reset(): void {
    this.store = this.initialStore(this.classes);
    this.trainer = undefined;
  }

  /**
   * Grows the output layer to `count` classes: new columns are drawn per class, existing ones and
   * their optimizer state are kept (new optimizer state starts at zero). Fewer classes is a no-op.
   */
  growClasses(count: number): void {
    const old = this.classes;
    if (count <= old) return;
    const fresh = classColumns(this.seed, CLASS_COLUMN_SALT, this.fanIn, old, count);
    const grown = this.store.clone();
    widenClassParam(grown, this.weightName, this.fanIn, count, fresh.weight);
    widenClassParam(grown, this.biasName, 0, count, fresh.bias);
    this.setStore(grown);
  }

  /**
   * Replaces the parameters (e.g. on restore); the class count follows the store's output layer,
   * and the train step is rebuilt on the new store.
   *
   * @throws InvalidArgumentError when the store is not this classifier's (missing or misshapen layers)
   */
  setStore(store: ParameterStore): void {
    const problems = this.storeProblems(store);
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    this.store = store;
    this.trainer = undefined;
    if (this.graphs !== undefined && this.graphs.classes !== this.classes) this.graphs = undefined;
  }

  /** One optimizer step on a batch; returns the batch loss before the step. */
  async train(features: Float32Array, labels: Int32Array): Promise<number> {
    const n = this.rows(features, labels.length);
    checkLabels(labels, this.classes);
    this.trainer ??= this.executor.trainStep({
      model: this.model,
      loss: CLASSIFIER_IO.loss,
      store: this.store,
      optimizer: this.optimizer,
      lr: this.learningRate,
    });
    const result = await this.trainer.step({
      [CLASSIFIER_IO.input]: tensor('float32', [n, this.spec.inputSize], features),
      [CLASSIFIER_IO.labels]: tensor('int64', [n], int64FromInt32(labels)),
    });
    return result.loss;
  }

  /** Logits `count × classes` for `features` (`count × inputSize`); empty with no class. */
  async logits(features: Float32Array): Promise<Float32Array> {
    const d = this.spec.inputSize;
    const n = this.rows(features);
    const classes = this.classes;
    if (classes === 0) return new Float32Array(0);
    return forwardInChunks(this.executor, this.logitsModel, this.store, features, n, d, classes, (r) => r[CLASSIFIER_IO.logits]!);
  }

  /** Arg-max class per row (−1 with no class), optionally restricted to `allowed` classes (task-incremental). */
  async predict(features: Float32Array, allowed?: readonly number[]): Promise<Int32Array> {
    if (this.classes === 0) return noClass(this.rows(features));
    return argmaxRows(await this.logits(features), this.classes, allowed);
  }

  private get weightName(): string {
    return `fc${this.outputLayer}.weight`;
  }

  private get biasName(): string {
    return `fc${this.outputLayer}.bias`;
  }

  private get fanIn(): number {
    return this.spec.hidden.at(-1) ?? this.spec.inputSize;
  }

  private built(): BuiltGraphs {
    const classes = this.classes;
    if (classes === 0)
      throw new InvalidArgumentError('the classifier has no class yet: it learns its first class from the first labelled batch');
    if (this.graphs?.classes !== classes) {
      const logitsModel = buildMlp({ sizes: [this.spec.inputSize, ...this.spec.hidden, classes], seed: this.seed });
      this.graphs = { classes, logitsModel, model: withCrossEntropyLoss(logitsModel) };
    }
    return this.graphs;
  }

  /** Hidden layers as the seeded MLP draws them (they come first, so the class count does not change them), and per-class output columns. */
  private initialStore(classes: number): ParameterStore {
    const hidden = ParameterStore.fromModel(buildMlp({ sizes: [this.spec.inputSize, ...this.spec.hidden, 1], seed: this.seed }));
    const store = new ParameterStore();
    for (const name of hidden.names()) if (name !== this.weightName && name !== this.biasName) store.set(name, hidden.get(name));
    const columns = classColumns(this.seed, CLASS_COLUMN_SALT, this.fanIn, 0, classes);
    store.set(this.weightName, tensor('float32', [this.fanIn, classes], columns.weight));
    store.set(this.biasName, tensor('float32', [classes], columns.bias));
    return store;
  }

  private storeProblems(store: ParameterStore): string[] {
    const problems: string[] = [];
    if (!store.has(this.weightName) || !store.has(this.biasName))
      return [`the parameters lack the output layer '${this.weightName}' / '${this.biasName}'`];
    const classes = store.get(this.biasName).shape[0]!;
    const w = store.get(this.weightName).shape;
    if (w.length !== 2 || w[0] !== this.fanIn || w[1] !== classes)
      problems.push(`output weight '${this.weightName}' is [${w.join(', ')}], expected [${this.fanIn}, ${classes}]`);
    return problems;
  }

  private rows(features: Float32Array, expected?: number): number {
    return checkFeatures(features, this.spec.inputSize, expected);
  }
}

/** Rows of a `rows × inputSize` feature matrix; throws on a ragged size, a row-count mismatch or NaN/Inf. */
export function checkFeatures(features: Float32Array, inputSize: number, expectedRows?: number): number {
  if (features.length % inputSize !== 0) {
    throw new InvalidArgumentError(`features hold ${features.length} values, not a multiple of the input size ${inputSize}`);
  }
  const n = features.length / inputSize;
  if (expectedRows !== undefined && n !== expectedRows) throw new InvalidArgumentError(`${n} feature rows but ${expectedRows} labels`);
  for (let i = 0; i < features.length; i++) {
    if (!Number.isFinite(features[i]!)) {
      throw new InvalidArgumentError(
        `feature ${i % inputSize} of row ${Math.floor(i / inputSize)} is ${features[i]}; features must be finite`,
      );
    }
  }
  return n;
}

/** Throws unless every label is a class index of a head with `classes` outputs. */
export function checkLabels(labels: Int32Array, classes: number): void {
  const bad = labels.findIndex((l) => l < 0 || l >= classes);
  if (bad >= 0) throw new InvalidArgumentError(`label ${labels[bad]} of sample ${bad} is outside the head's ${classes} classes`);
}

/** Validates a whole incoming batch before anything is stored or trained. */
export function checkBatch(features: Float32Array, labels: Int32Array, spec: BatchShape): void {
  checkFeatures(features, spec.inputSize, labels.length);
  checkLabels(labels, spec.classes);
}

/**
 * Checks a labelled batch as {@link checkBatch} does, and that it has one id per label.
 *
 * @throws InvalidArgumentError naming the first problem
 */
export function checkLabelledBatch(batch: LabelledBatch, spec: BatchShape): void {
  checkBatch(batch.features, batch.labels, spec);
  if (batch.ids.length !== batch.labels.length) throw new InvalidArgumentError(`${batch.ids.length} ids but ${batch.labels.length} labels`);
}

/** Arg-max per row of a `rows × classes` matrix, over `allowed` classes only when given (−1 when none of them exists). */
export function argmaxRows(values: Float32Array, classes: number, allowed?: readonly number[]): Int32Array {
  if (classes === 0) throw new InvalidArgumentError('arg-max over zero classes: a model with no class predicts noClass(rows)');
  const n = values.length / classes;
  const candidates = (allowed ?? [...Array(classes).keys()]).filter((c) => c < classes);
  const out = new Int32Array(n);
  // Allowed classes the head does not have yet cannot be predicted: no class (−1).
  if (candidates.length === 0) return out.fill(-1);
  for (let r = 0; r < n; r++) {
    let best = candidates[0]!;
    for (const c of candidates) if (values[r * classes + c]! > values[r * classes + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/** The prediction of a model that knows no class yet: −1 (no class) for each of `rows` rows. */
export function noClass(rows: number): Int32Array {
  return new Int32Array(rows).fill(-1);
}
