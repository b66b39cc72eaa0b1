import { accuracyMatrix, averageFinalAccuracy, averageForgetting, backwardTransfer, forwardTransfer, type MetricValue } from '@mneme/metrics';
import type { Strategy } from './strategy.js';

/** One experience of a feature-level scenario, as the loop consumes it. */
export interface ExperiencePlan {
  readonly index: number;
  readonly classes: readonly number[];
  readonly taskId?: number;
  /** The training batches, in order, for each pass (called once per epoch). */
  readonly batches: () => Iterable<{ features: Float32Array; labels: Int32Array; ids: Int32Array }>;
  /** Held-out test samples of the experience (a column of the accuracy matrix). */
  readonly test: { features: Float32Array; labels: Int32Array };
}

/** Options of {@link runExperiment}. */
export interface RunOptions {
  /** Passes over each experience's batches. @default 1 (online) */
  readonly epochs?: number;
  /** Called after every batch and evaluation, for progress bars. */
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** Progress of a run. */
export type ProgressEvent =
  | { kind: 'batch'; experience: number; batch: number; samples: number }
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
}

/**
 * Runs a strategy through a scenario: for each experience, the strategy is told the boundary,
 * learns every batch (for `epochs` passes), and is then evaluated on every experience's test set
 * (earlier ones for forgetting, later ones for forward transfer). The untrained strategy is
 * evaluated first, for FWT's b_j. Task ids reach `predict` only in task-incremental plans.
 */
export async function runExperiment(strategy: Strategy, plan: readonly ExperiencePlan[], options: RunOptions = {}): Promise<ExperimentResult> {
  const epochs = options.epochs ?? 1;
  const evaluate = async (): Promise<number[]> => {
    const row: number[] = [];
    for (const e of plan) {
      const predicted = await strategy.predict(e.test.features, e.taskId === undefined ? {} : { taskId: e.taskId });
      let correct = 0;
      predicted.forEach((p, i) => (correct += p === e.test.labels[i] ? 1 : 0));
      row.push(e.test.labels.length === 0 ? 0 : correct / e.test.labels.length);
    }
    return row;
  };
  const randomInit = await evaluate();
  const rows: number[][] = [];
  let samplesSeen = 0;
  for (const e of plan) {
    const info = { index: e.index, classes: e.classes, ...(e.taskId === undefined ? {} : { taskId: e.taskId }) };
    await strategy.beginExperience(info);
    let batchNo = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (const b of e.batches()) {
        await strategy.learn({ ...b, experience: e.index, ...(e.taskId === undefined ? {} : { taskId: e.taskId }) });
        samplesSeen += b.labels.length;
        options.onProgress?.({ kind: 'batch', experience: e.index, batch: batchNo++, samples: b.labels.length });
      }
    }
    await strategy.endExperience(info);
    const row = await evaluate();
    rows.push(row);
    options.onProgress?.({ kind: 'evaluated', after: e.index, row });
  }
  const matrix = accuracyMatrix(rows);
  // Transfer and forgetting compare experiences, so a single-experience run has none (NaN).
  const single = rows.length < 2;
  return {
    matrix: rows,
    randomInit,
    acc: averageFinalAccuracy(matrix),
    bwt: single ? { value: Number.NaN, definition: 'bwt-lopez-paz-2017' } : backwardTransfer(matrix),
    fwt: single ? { value: Number.NaN, definition: 'fwt-lopez-paz-2017' } : forwardTransfer(matrix, randomInit),
    forgetting: single ? { value: Number.NaN, definition: 'forgetting-chaudhry-2018' } : averageForgetting(matrix),
    samplesSeen,
  };
}
