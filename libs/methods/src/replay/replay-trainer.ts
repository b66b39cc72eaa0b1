/**
 * The update of replay methods: one optimizer step on the incoming batch together with the
 * replayed samples, minimising mean loss(incoming) + mean loss(replay). That is the objective of the
 * reference implementations of ER and MIR in Aljundi et al. 2019 (their `retrieve_replay_update`
 * back-propagates both means before one `opt.step()`) and of avalanche's replay plugins
 * (`strategy.loss += replay_loss`); with equal batch sizes it is twice the mean over the union.
 */
import { InvalidArgumentError } from '@mneme/errors';
import type { Executor, OptimizerSpec, ParameterStore, TrainStepRunner } from '@mneme/execution';
import { Attr, GraphBuilder, type Model } from '@mneme/graph';
import { CLASSIFIER_IO } from '@mneme/models';
import { gatherRows, int64FromInt32, tensor } from '@mneme/tensor';
import { checkBatch } from '../core/classifier.js';
import type { MemoryBatch, SampleFilter } from './reservoir-memory.js';
import type { BatchShape, LabelledBatch } from '../strategy.js';

/** Names the replay objective adds to a classifier-with-loss graph. */
export const REPLAY_IO = Object.freeze({
  /** float32 `[batch]`: the weight of each sample's loss. */
  weights: 'replay/sample_weight',
  /** Scalar Σ weight·sample_loss, the trained loss. */
  loss: 'replay/loss',
});

/**
 * `model` (a classifier from `withCrossEntropyLoss`, with its per-sample loss) plus a sample-weight
 * input and the weighted-sum loss {@link REPLAY_IO}.loss.
 */
export function withSampleWeights(model: Model): Model {
  const perSample = model.graph.outputs.find((o) => o.name === CLASSIFIER_IO.sampleLoss);
  if (perSample === undefined)
    throw new InvalidArgumentError(
      `model '${model.graph.name}' has no '${CLASSIFIER_IO.sampleLoss}' output; build it with withCrossEntropyLoss`,
    );
  const batch = perSample.shape?.[0] ?? 'batch';
  const b = GraphBuilder.from(model);
  const weights = b.input(REPLAY_IO.weights, 'float32', [batch]);
  b.op('ReduceSum', [b.mul(CLASSIFIER_IO.sampleLoss, weights)], { keepdims: Attr.int(0) }, { outputs: [REPLAY_IO.loss] });
  b.output(REPLAY_IO.loss, 'float32', []);
  return b.build();
}

/** Labelled rows: `features` is `labels.length × inputSize`. */
export interface LabelledRows {
  readonly features: Float32Array;
  readonly labels: Int32Array;
}

/** What replay steps train: a classifier-with-loss graph and its parameters (a {@link Classifier}). */
export interface TrainedClassifier {
  readonly model: Model;
  readonly store: ParameterStore;
}

/**
 * Runs replay updates on a classifier's parameters. The compiled step follows the classifier: it is
 * rebuilt when the classifier's graph changes (a class arrived) or its store is replaced (a restore).
 */
export class ReplayTrainer {
  private bound: { model: Model; weighted: Model; store: ParameterStore; runner: TrainStepRunner } | undefined;

  constructor(
    private readonly executor: Executor,
    private readonly net: TrainedClassifier,
    private readonly optimizer: OptimizerSpec,
    private readonly learningRate: number,
    private readonly inputSize: number,
  ) {}

  /**
   * One step on `incoming` and `replay` (either may be empty, not both); returns the objective
   * before the step. Inputs are assumed validated by the caller.
   */
  async step(incoming: LabelledRows, replay: LabelledRows): Promise<number> {
    const nIn = incoming.labels.length;
    const nRe = replay.labels.length;
    const n = nIn + nRe;
    if (n === 0) throw new InvalidArgumentError('a replay step needs at least one sample');
    const features = new Float32Array(n * this.inputSize);
    features.set(incoming.features);
    features.set(replay.features, nIn * this.inputSize);
    const labels = new Int32Array(n);
    labels.set(incoming.labels);
    labels.set(replay.labels, nIn);
    // Each part's weights sum to one: the loss is the sum of the two means.
    const weights = new Float32Array(n);
    weights.fill(nIn === 0 ? 0 : 1 / nIn, 0, nIn);
    weights.fill(nRe === 0 ? 0 : 1 / nRe, nIn);
    const result = await this.runner().step({
      [CLASSIFIER_IO.input]: tensor('float32', [n, this.inputSize], features),
      [CLASSIFIER_IO.labels]: tensor('int64', [n], int64FromInt32(labels)),
      [REPLAY_IO.weights]: tensor('float32', [n], weights),
    });
    return result.loss;
  }

  private runner(): TrainStepRunner {
    const { model, store } = this.net;
    if (this.bound?.model !== model || this.bound.store !== store) {
      const weighted = this.bound?.model === model ? this.bound.weighted : withSampleWeights(model);
      this.bound = {
        model,
        weighted,
        store,
        runner: this.executor.trainStep({ model: weighted, loss: REPLAY_IO.loss, store, optimizer: this.optimizer, lr: this.learningRate }),
      };
    }
    return this.bound.runner;
  }
}

/**
 * Which memory samples replay may draw, relative to the incoming batch: `classes` leaves out the
 * batch's labels (avalanche's MIR plugin), `experience` the batch's experience (the current task,
 * as the reference MIR code's `exclude_task`), `none` nothing (Chaudhry et al. 2019's ER).
 */
export type ReplayExclusion = 'classes' | 'experience' | 'none';

/** The valid {@link ReplayExclusion} values, for option parsing. */
export const REPLAY_EXCLUSIONS: readonly ReplayExclusion[] = Object.freeze(['classes', 'experience', 'none']);

/** The memory filter of an exclusion mode for one incoming batch. */
export function exclusionFilter(mode: ReplayExclusion, batch: { readonly labels: Int32Array; readonly experience: number }): SampleFilter {
  if (mode === 'classes') return { excludeLabels: new Set(batch.labels) };
  if (mode === 'experience') return { excludeExperiences: [batch.experience] };
  return {};
}

/**
 * Validates an incoming batch for a replay method before anything is trained or stored: finite
 * features of the right width, labels inside the head, one id per sample, a valid experience index.
 *
 * @throws InvalidArgumentError saying what is wrong
 */
export function checkReplayBatch(batch: LabelledBatch, spec: BatchShape): void {
  checkBatch(batch.features, batch.labels, spec);
  if (batch.ids.length !== batch.labels.length)
    throw new InvalidArgumentError(`${batch.ids.length} sample ids for ${batch.labels.length} labels; give one id per sample`);
  if (!Number.isInteger(batch.experience) || batch.experience < 0)
    throw new InvalidArgumentError(`experience must be a non-negative integer, got ${batch.experience}`);
}

/** The JSON-safe state of {@link OncePerExperience}. */
export interface OfferedSnapshot {
  /** The experience the ids belong to, or −1 before any batch. */
  readonly experience: number;
  readonly ids: readonly number[];
}

/**
 * Offers each sample to a replay memory once per experience, however many passes the loop makes
 * over the experience (`epochs` > 1). A reservoir assumes a stream of distinct samples: offering
 * every pass again stores duplicates (a 500-sample reservoir over CLINC150's stream at 3 epochs held
 * 14 % duplicates after the first experience) and counts each sample once per pass. Samples are
 * known by id within the batch's experience; the ids are forgotten when the experience changes, so
 * the bookkeeping never outgrows one experience.
 */
export class OncePerExperience {
  private experience = -1;
  private ids = new Set<number>();

  constructor(private readonly inputSize: number) {}

  /**
   * The rows of `batch` not offered before in its experience (the whole batch on the first pass),
   * now marked as offered. Call it only after the batch was validated.
   */
  fresh(batch: MemoryBatch): MemoryBatch {
    if (batch.experience !== this.experience) {
      this.experience = batch.experience;
      this.ids = new Set();
    }
    const keep: number[] = [];
    batch.ids.forEach((id, i) => {
      if (this.ids.has(id)) return;
      this.ids.add(id);
      keep.push(i);
    });
    if (keep.length === batch.ids.length) return batch;
    const d = this.inputSize;
    const features = gatherRows(batch.features, d, keep);
    return {
      features,
      labels: Int32Array.from(keep, (row) => batch.labels[row]!),
      ids: Int32Array.from(keep, (row) => batch.ids[row]!),
      experience: batch.experience,
    };
  }

  snapshot(): OfferedSnapshot {
    return { experience: this.experience, ids: [...this.ids] };
  }

  /**
   * Checks `snapshot` (absent in states saved before this bookkeeping existed: nothing offered yet)
   * and returns a function that applies it, so callers can check everything before changing anything.
   *
   * @throws InvalidArgumentError when the snapshot is malformed
   */
  prepareRestore(snapshot: unknown): () => void {
    if (snapshot === undefined) return () => this.reset(-1, []);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- gives the checks below the snapshot's field names
    const s = snapshot as Partial<OfferedSnapshot> | null;
    if (
      s === null ||
      typeof s !== 'object' ||
      !Number.isInteger(s.experience) ||
      s.experience! < -1 ||
      !Array.isArray(s.ids) ||
      !s.ids.every((id) => Number.isInteger(id))
    ) {
      throw new InvalidArgumentError('the offered-samples snapshot must be { experience: integer ≥ −1, ids: integer[] }');
    }
    const { experience, ids } = s as OfferedSnapshot;
    return () => this.reset(experience, ids);
  }

  private reset(experience: number, ids: readonly number[]): void {
    this.experience = experience;
    this.ids = new Set(ids);
  }
}
