import { InvalidArgumentError } from '@mneme/errors';
import { ParameterStore, type Executor, type OptimizerSpec, type TrainStepRunner } from '@mneme/execution';
import type { Model } from '@mneme/graph';
import { buildMlp, CLASSIFIER_IO, withCrossEntropyLoss } from '@mneme/models';
import { tensor } from '@mneme/tensor';
import type { ClassifierSpec } from './strategy.js';

/** Rows predicted per forward run; the last chunk is zero-padded so one compiled shape serves all. */
const EVAL_CHUNK = 256;

/**
 * An MLP classifier trained on the executor: one fused train step per batch (forward, backward,
 * update in one run), batched evaluation. The building block of most strategies.
 */
export class Classifier {
  readonly model: Model;
  readonly logitsModel: Model;
  store: ParameterStore;
  private trainer: TrainStepRunner | undefined;

  constructor(
    private readonly executor: Executor,
    readonly spec: ClassifierSpec,
    private readonly optimizer: OptimizerSpec,
    private readonly learningRate: number,
    seed: number,
  ) {
    const sizes = [spec.inputSize, ...spec.hidden, spec.classes];
    this.logitsModel = buildMlp({ sizes, seed });
    this.model = withCrossEntropyLoss(this.logitsModel);
    this.store = ParameterStore.fromModel(this.model);
  }

  /** Re-initialises the weights (same seed → same weights) and drops optimizer state. */
  reset(): void {
    this.store = ParameterStore.fromModel(this.model);
    this.trainer = undefined;
  }

  /** Replaces the parameters (e.g. on restore); the train step is rebuilt on the new store. */
  setStore(store: ParameterStore): void {
    this.store = store;
    this.trainer = undefined;
  }

  /** One optimizer step on a batch; returns the batch loss before the step. */
  async train(features: Float32Array, labels: Int32Array): Promise<number> {
    const n = this.rows(features, labels.length);
    this.checkLabels(labels);
    this.trainer ??= this.executor.trainStep({
      model: this.model,
      loss: CLASSIFIER_IO.loss,
      store: this.store,
      optimizer: this.optimizer,
      lr: this.learningRate,
    });
    const result = await this.trainer.step({
      [CLASSIFIER_IO.input]: tensor('float32', [n, this.spec.inputSize], features),
      [CLASSIFIER_IO.labels]: tensor('int64', [n], BigInt64Array.from(labels, (l) => BigInt(l))),
    });
    return result.loss;
  }

  /** Logits `count × classes` for `features` (`count × inputSize`). */
  async logits(features: Float32Array): Promise<Float32Array> {
    const d = this.spec.inputSize;
    const n = this.rows(features);
    const out = new Float32Array(n * this.spec.classes);
    for (let start = 0; start < n; start += EVAL_CHUNK) {
      const rows = Math.min(EVAL_CHUNK, n - start);
      const chunk = new Float32Array(EVAL_CHUNK * d);
      chunk.set(features.subarray(start * d, (start + rows) * d));
      const result = await this.executor.forward(this.logitsModel, { [CLASSIFIER_IO.input]: tensor('float32', [EVAL_CHUNK, d], chunk) }, { params: this.store });
      out.set((result[CLASSIFIER_IO.logits]!.data as Float32Array).subarray(0, rows * this.spec.classes), start * this.spec.classes);
    }
    return out;
  }

  /** Arg-max class per row, optionally restricted to `allowed` classes (task-incremental). */
  async predict(features: Float32Array, allowed?: readonly number[]): Promise<Int32Array> {
    return argmaxRows(await this.logits(features), this.spec.classes, allowed);
  }

  private rows(features: Float32Array, expected?: number): number {
    return checkFeatures(features, this.spec.inputSize, expected);
  }

  private checkLabels(labels: Int32Array): void {
    checkLabels(labels, this.spec.classes);
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
      throw new InvalidArgumentError(`feature ${i % inputSize} of row ${Math.floor(i / inputSize)} is ${features[i]}; features must be finite`);
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
export function checkBatch(features: Float32Array, labels: Int32Array, spec: ClassifierSpec): void {
  checkFeatures(features, spec.inputSize, labels.length);
  checkLabels(labels, spec.classes);
}

/** Arg-max per row of a `rows × classes` matrix, over `allowed` classes only when given. */
export function argmaxRows(values: Float32Array, classes: number, allowed?: readonly number[]): Int32Array {
  const n = values.length / classes;
  const candidates = allowed ?? [...Array(classes).keys()];
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = candidates[0]!;
    for (const c of candidates) if (values[r * classes + c]! > values[r * classes + best]!) best = c;
    out[r] = best;
  }
  return out;
}
