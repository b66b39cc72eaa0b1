import { predictionHits, rowAccuracy, summariseMatrix, type MetricValue } from '@mneme/metrics';
import { ClassIndex } from './core/class-index.js';
import { endStep, learnStep } from './experience-steps.js';
import type { Strategy } from './strategy.js';

/** One experience of a feature-level scenario, as the loop consumes it. */
export interface ExperiencePlan {
  readonly index: number;
  readonly classes: readonly number[];
  readonly taskId?: number;
  /** The training batches, in order, for each pass (called once per epoch). */
  readonly batches: () => Iterable<{ features: Float32Array; labels: Int32Array; ids: Int32Array }>;
  /** Held-out test samples of the experience (a column of the accuracy matrix); `ids` are their data-set indices, when known. */
  readonly test: { features: Float32Array; labels: Int32Array; ids?: Int32Array };
}

/** Options of {@link runExperiment}. */
export interface RunOptions {
  /** Passes over each experience's batches. @default 1 (online) */
  readonly epochs?: number;
  /** Called after every batch and evaluation, for progress bars. */
  readonly onProgress?: (event: ProgressEvent) => void;
}

/**
 * Progress of a run. A `batch` event carries the `loss` of the step the strategy ran on it (see
 * {@link Strategy.learn}); it is absent for strategies that train nothing per batch (kNN, fitted heads,
 * training at experience end). `batch` counts the experience's batches over all its epochs.
 */
export type ProgressEvent =
  | { kind: 'batch'; experience: number; batch: number; samples: number; loss?: number }
  | { kind: 'evaluated'; after: number; row: readonly number[] };

/** The outcome of one run: the accuracy matrix and its metrics, each naming its definition. */
export interface ExperimentResult {
  /** a[i][j]: accuracy on experience j's test set after training through experience i (all j). */
  readonly matrix: number[][];
  /** b[j]: accuracy of the untrained model on experience j (for FWT). */
  readonly randomInit: number[];
  readonly acc: MetricValue;
  readonly bwt: MetricValue;
  readonly fwt: MetricValue;
  readonly forgetting: MetricValue;
  readonly samplesSeen: number;
  /**
   * c[i][k]: accuracy on the test samples of label k (the plan's label ids) after training through
   * experience i; NaN for a label with no test sample. Per-class forgetting is read from it.
   */
  readonly classAccuracy: number[][];
}

/**
 * Runs a strategy through a scenario: for each experience, the strategy learns every batch (for
 * `epochs` passes) and is then evaluated on every experience's test set (earlier ones for
 * forgetting, later ones for forward transfer). The untrained strategy is evaluated first, for
 * FWT's b_j. Task ids reach `predict` only in task-incremental plans.
 *
 * The loop drives the strategy exactly as the trainer service's stream loop does (both take
 * {@link learnStep} and {@link endStep}), so a benchmark streamed through the services trains the
 * same model: classes are indexed in order of first arrival and the strategy grows before the first
 * batch that holds a new one; an experience begins at its first batch, told the classes of that
 * batch, and ends told every class it held. A test sample whose class has not arrived yet counts as
 * wrong (the model cannot name it).
 *
 * It is not the stream loop over an in-memory source because a stream is one pass: here an
 * experience is trained for `epochs` passes, each re-batched from its start and giving the same
 * sample ids (strategies that collect samples dedupe by id), which a log of increasing positions
 * without pass boundaries cannot express.
 */
export async function runExperiment(
  strategy: Strategy,
  plan: readonly ExperiencePlan[],
  options: RunOptions = {},
): Promise<ExperimentResult> {
  const epochs = options.epochs ?? 1;
  const classes = new ClassIndex<number>();
  const labelCount = plan.reduce((n, e) => e.test.labels.reduce((m, l) => Math.max(m, l + 1), n), 0);
  const classAccuracy: number[][] = [];
  const evaluate = async (): Promise<number[]> => {
    const row: number[] = [];
    const hits = new Float64Array(labelCount);
    const counts = new Float64Array(labelCount);
    for (const e of plan) {
      const predicted = await strategy.predict(e.test.features, e.taskId === undefined ? {} : { taskId: e.taskId });
      predictionHits(predicted, e.test.labels, classes).forEach((hit, i) => {
        hits[e.test.labels[i]!]! += hit;
        counts[e.test.labels[i]!]! += 1;
      });
      row.push(rowAccuracy(predicted, e.test.labels, classes).value);
    }
    classAccuracy.push(Array.from(hits, (h, k) => (counts[k] === 0 ? Number.NaN : h / counts[k]!)));
    return row;
  };
  const randomInit = await evaluate();
  // The untrained model's per-class row is not part of c[i][k], which starts after experience 0.
  classAccuracy.length = 0;
  const rows: number[][] = [];
  let samplesSeen = 0;
  for (const e of plan) {
    const task = e.taskId === undefined ? {} : { taskId: e.taskId };
    const held = new Set<number>();
    let begun = false;
    let batchNo = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (const b of e.batches()) {
        const labels = Int32Array.from(b.labels, (l) => classes.add(l));
        for (const c of labels) held.add(c);
        const begin = begun ? undefined : { index: e.index, classes: [...new Set(labels)].sort((x, y) => x - y), ...task };
        const stats = await learnStep(strategy, { ...b, labels, experience: e.index, ...task }, begin);
        begun = true;
        samplesSeen += b.labels.length;
        const loss = stats?.loss;
        options.onProgress?.({
          kind: 'batch',
          experience: e.index,
          batch: batchNo++,
          samples: b.labels.length,
          ...(loss === undefined ? {} : { loss }),
        });
      }
    }
    await endStep(strategy, { index: e.index, classes: [...held].sort((x, y) => x - y), ...task }, begun);
    const row = await evaluate();
    rows.push(row);
    options.onProgress?.({ kind: 'evaluated', after: e.index, row });
  }
  return {
    matrix: rows,
    randomInit,
    // Transfer and forgetting compare experiences, so a single-experience run has none (NaN).
    ...summariseMatrix(rows, randomInit),
    samplesSeen,
    classAccuracy,
  };
}
