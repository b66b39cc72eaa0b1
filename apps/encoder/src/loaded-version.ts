import type { Input, Prediction } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';
import type { VersionRecord } from '@mneme/model-store';
import type { ModelRuntime } from '@mneme/service-runtime';
import { DynamicBatcher } from './dynamic-batcher.js';
import { topLabels, type LabelScorer } from './label-scorer.js';
import { textsOf } from './request-checks.js';
import type { SentenceEncoder } from './sentence-encoder.js';

/** Batching settings shared by every batcher of the service. */
export interface BatchSettings {
  readonly maxBatch: number;
  readonly maxDelayMs: number;
  /** Told every change of the number of inputs waiting in a predict queue. */
  readonly onDepthChange: (delta: number) => void;
}

/** One validated Predict request waiting for its batch: feature rows, or texts to embed first. */
interface PredictJob {
  readonly count: number;
  readonly features?: Float32Array;
  readonly texts?: readonly string[];
  readonly topK: number;
}

/**
 * One model version restored and ready to serve: its runtime, its scorer, and a predict batcher per
 * task id (a batch runs one `predict` call, which takes one task id). Immutable once loaded, so a
 * request that resolved it finishes on it even after a newer version took over.
 */
export class LoadedVersion {
  private readonly batchers = new Map<string, DynamicBatcher<PredictJob, Prediction[]>>();

  constructor(
    /** The version as stored; its state is refreshed when the model changes. */
    public record: VersionRecord,
    readonly runtime: ModelRuntime,
    private readonly scorer: LabelScorer,
    /** The model's text encoder, for text models. */
    private readonly encoder: SentenceEncoder | undefined,
    private readonly batching: BatchSettings,
  ) {}

  /** The version number. */
  get version(): number {
    return this.record.version;
  }

  /**
   * Predictions for `inputs`, most probable label first. The request is validated in full here,
   * before it joins a batch, so a bad request fails alone.
   */
  async predict(inputs: readonly Input[], topK: number, taskId: number | undefined): Promise<Prediction[]> {
    if (taskId !== undefined && this.runtime.record.scenario !== 'task-incremental') {
      throw new InvalidArgumentError(
        `task_id is only accepted by task-incremental models; model '${this.record.modelId}' is ${this.runtime.record.scenario}`,
      );
    }
    const job: PredictJob =
      this.encoder === undefined
        ? { count: inputs.length, features: await this.runtime.featurizer.featurize(inputs), topK }
        : { count: inputs.length, texts: textsOf(inputs, 'this model takes text'), topK };
    return this.batcherFor(taskId).submit(job);
  }

  private batcherFor(taskId: number | undefined): DynamicBatcher<PredictJob, Prediction[]> {
    const key = taskId === undefined ? '-' : String(taskId);
    let batcher = this.batchers.get(key);
    if (batcher === undefined) {
      batcher = new DynamicBatcher({
        maxBatch: this.batching.maxBatch,
        maxDelayMs: this.batching.maxDelayMs,
        size: (job) => job.count,
        onDepthChange: this.batching.onDepthChange,
        run: (jobs) => this.runBatch(jobs, taskId),
      });
      this.batchers.set(key, batcher);
    }
    return batcher;
  }

  /** One featurization and one forward pass for every job of the batch, split back per job. */
  private async runBatch(jobs: readonly PredictJob[], taskId: number | undefined): Promise<Prediction[][]> {
    const width = this.runtime.featurizer.width;
    const total = jobs.reduce((n, j) => n + j.count, 0);
    const features = new Float32Array(total * width);
    if (this.encoder === undefined) {
      let row = 0;
      for (const j of jobs) {
        features.set(j.features!, row * width);
        row += j.count;
      }
    } else {
      const encoder = this.encoder;
      const texts = jobs.flatMap((j) =>
        j.texts!.map((text) => ({ text, pooling: encoder.modelPooling, normalize: encoder.modelNormalizes })),
      );
      features.set(await encoder.embed(texts));
    }
    // Token-level strategies (l2p) run the frozen encoder on the texts' tokens themselves.
    const tokens =
      this.runtime.tokens === undefined
        ? undefined
        : this.runtime.featurizer.tokenize(
            jobs.flatMap((j) => j.texts!.map((text) => ({ kind: { $case: 'text' as const, value: text } }))),
          );
    const { probabilities } = await this.scorer.score(features, taskId, tokens);
    // The version's own labels: a label is served from the first version trained on it.
    const labels = this.record.labels;
    let row = 0;
    return jobs.map((j) => {
      const out = Array.from({ length: j.count }, (_, k) => topLabels(probabilities, row + k, labels, j.topK));
      row += j.count;
      return out;
    });
  }
}
