/**
 * One interface for experiment logs (as Avalanche's and Mammoth's loggers): a run starts, trains
 * step by step, is evaluated after each experience, and ends with its continual-learning metrics.
 * `runBenchmark` drives a logger once per seed; each logger writes a folder per run.
 */

/** What a run is: the first event of every run. */
export interface RunStart {
  readonly benchmark: string;
  readonly strategy: string;
  readonly seed: number;
  /** Training settings the run uses (learning rate, batch size, epochs, ...), JSON-safe. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Strategy options the run uses (`--set key=value` and the benchmark's defaults). */
  readonly options: Readonly<Record<string, string>>;
}

/** One training step: one incoming batch learned. */
export interface StepRecord {
  /** Batches learned in the run so far, this one included (1, 2, ...): the x axis of every logged scalar. */
  readonly step: number;
  readonly experience: number;
  /** The batch's position in its experience (over all epochs), from 0. */
  readonly batch: number;
  readonly samples: number;
  /** The loss of the strategy's step on the batch, before the update; absent when the strategy trains nothing per batch. */
  readonly loss?: number;
}

/** The evaluation after an experience: a row of the accuracy matrix. */
export interface EvaluationRecord {
  /** The experience just learned (i). */
  readonly after: number;
  /** Steps learned so far (the {@link StepRecord.step} of the last batch). */
  readonly step: number;
  /** a[i][j]: accuracy on experience j's test set, for every j (later ones too, for forward transfer). */
  readonly accuracy: readonly number[];
  /** Mean of a[i][0..i], the accuracy over the experiences seen so far (ACC at this point). */
  readonly meanSeenAccuracy: number;
}

/** The end of a run: its metrics (NaN where undefined, e.g. BWT of a single experience). */
export interface RunEnd {
  /** Steps learned in the run. */
  readonly step: number;
  readonly acc: number;
  readonly bwt: number;
  readonly fwt: number;
  readonly forgetting: number;
  /** Wall time of the run, in seconds. */
  readonly wallS: number;
}

/**
 * Receives a run's events in order: `runStart`, then `step`s and `evaluation`s, then `runEnd`;
 * several runs may follow one another. Writes are synchronous and buffered; `evaluation`, `runEnd`
 * and `close` flush, so a viewer sees each evaluation as it happens.
 */
export interface ExperimentLogger {
  runStart(run: RunStart): void;
  step(record: StepRecord): void;
  evaluation(record: EvaluationRecord): void;
  runEnd(summary: RunEnd): void;
  /** Flushes and closes every open file; the logger then takes no more events. */
  close(): void;
}

/** The folder of a run inside the log folder: one per seed (TensorBoard shows each as a run). */
export function runFolderName(run: Pick<RunStart, 'seed'>): string {
  return `seed-${run.seed}`;
}

/** Mean of `accuracy[0..after]`: the accuracy over the experiences seen after experience `after`. */
export function meanSeenAccuracy(accuracy: readonly number[], after: number): number {
  const seen = accuracy.slice(0, after + 1);
  return seen.length === 0 ? Number.NaN : seen.reduce((a, x) => a + x, 0) / seen.length;
}
