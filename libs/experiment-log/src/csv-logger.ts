import { join } from 'node:path';
import { MnemeError } from '@mneme/errors';
import { AppendFile } from './append-file.js';
import { createRunFolder } from './run-folder.js';
import {
  runFolderName,
  type EvaluationRecord,
  type ExperimentLogger,
  type RunEnd,
  type RunStart,
  type StepRecord,
} from './experiment-logger.js';

/** A CSV field: numbers as JavaScript prints them (NaN stays `NaN`), absent as empty, text quoted when it must be (RFC 4180). */
export function csvField(value: number | string | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(value);
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const csvLine = (fields: readonly (number | string | undefined)[]): string => `${fields.map(csvField).join(',')}\n`;

/** Column names of `steps.csv`. */
export const STEPS_CSV_HEADER = ['step', 'experience', 'batch', 'samples', 'loss', 'wall_time'] as const;
/** Column names of `summary.csv`. */
export const SUMMARY_CSV_HEADER = ['benchmark', 'strategy', 'seed', 'acc', 'bwt', 'fwt', 'forgetting', 'wall_s', 'steps'] as const;

/**
 * CSV files per run (per seed): `steps.csv` (one row per step, `loss` empty when the strategy
 * reports none), `evaluations.csv` (one row per evaluation: `after`, `step`, `mean_seen_accuracy`
 * and `exp_<j>` for every experience) and `summary.csv` (one row: ACC, BWT, FWT, forgetting, wall
 * time). Numbers only, under fixed headers, so no CSV library is needed.
 */
export class CsvLogger implements ExperimentLogger {
  private files: { steps: AppendFile; evaluations: AppendFile; run: RunStart; width: number | undefined } | undefined;

  constructor(private readonly dir: string) {}

  runStart(run: RunStart): void {
    this.closeRun();
    const folder = createRunFolder(this.dir, run);
    const steps = new AppendFile(join(folder, 'steps.csv'));
    steps.write(csvLine(STEPS_CSV_HEADER));
    this.files = { steps, evaluations: new AppendFile(join(folder, 'evaluations.csv')), run, width: undefined };
  }

  step(record: StepRecord): void {
    this.current().steps.write(csvLine([record.step, record.experience, record.batch, record.samples, record.loss, Date.now() / 1000]));
  }

  evaluation(record: EvaluationRecord): void {
    const files = this.current();
    // The header names one column per experience, known at the first evaluation.
    if (files.width === undefined) {
      files.width = record.accuracy.length;
      files.evaluations.write(csvLine(['after', 'step', 'mean_seen_accuracy', ...record.accuracy.map((_, j) => `exp_${j}`)]));
    }
    if (record.accuracy.length !== files.width)
      throw new MnemeError(
        'internal',
        `evaluation after experience ${record.after} has ${record.accuracy.length} accuracies, the run's first had ${files.width}`,
      );
    files.evaluations.write(csvLine([record.after, record.step, record.meanSeenAccuracy, ...record.accuracy]));
    files.steps.flush();
    files.evaluations.flush();
  }

  runEnd(summary: RunEnd): void {
    const { run } = this.current();
    const file = new AppendFile(join(this.dir, runFolderName(run), 'summary.csv'));
    file.write(csvLine(SUMMARY_CSV_HEADER));
    file.write(
      csvLine([
        run.benchmark,
        run.strategy,
        run.seed,
        summary.acc,
        summary.bwt,
        summary.fwt,
        summary.forgetting,
        summary.wallS,
        summary.step,
      ]),
    );
    file.close();
    this.closeRun();
  }

  close(): void {
    this.closeRun();
  }

  private current() {
    if (this.files === undefined) throw new MnemeError('internal', 'CsvLogger: no run started (call runStart first)');
    return this.files;
  }

  private closeRun(): void {
    this.files?.steps.close();
    this.files?.evaluations.close();
    this.files = undefined;
  }
}
