import { join } from 'node:path';
import { MnemeError } from '@mneme/errors';
import { AppendFile } from './append-file.js';
import { createRunFolder } from './run-folder.js';
import { type EvaluationRecord, type ExperimentLogger, type RunEnd, type RunStart, type StepRecord } from './experiment-logger.js';

/** The `type` of each line of `events.jsonl`. */
export type JsonLinesEventType = 'run_start' | 'step' | 'evaluation' | 'run_end';

/**
 * JSON lines per run (per seed): `events.jsonl`, one object per event with a `type`
 * ({@link JsonLinesEventType}) and `wall_time` (seconds since the epoch); field names as in the
 * `--out` report (snake case). Undefined metrics (NaN) are written as null.
 */
export class JsonLinesLogger implements ExperimentLogger {
  private file: AppendFile | undefined;

  constructor(private readonly dir: string) {}

  runStart(run: RunStart): void {
    this.close();
    const folder = createRunFolder(this.dir, run);
    this.file = new AppendFile(join(folder, 'events.jsonl'));
    this.line('run_start', {
      benchmark: run.benchmark,
      strategy: run.strategy,
      seed: run.seed,
      settings: run.settings,
      options: run.options,
    });
  }

  step(record: StepRecord): void {
    this.line('step', {
      step: record.step,
      experience: record.experience,
      batch: record.batch,
      samples: record.samples,
      ...(record.loss === undefined ? {} : { loss: record.loss }),
    });
  }

  evaluation(record: EvaluationRecord): void {
    this.line('evaluation', {
      after: record.after,
      step: record.step,
      accuracy: record.accuracy,
      mean_seen_accuracy: record.meanSeenAccuracy,
    });
    this.file?.flush();
  }

  runEnd(summary: RunEnd): void {
    this.line('run_end', {
      step: summary.step,
      acc: summary.acc,
      bwt: summary.bwt,
      fwt: summary.fwt,
      forgetting: summary.forgetting,
      wall_s: summary.wallS,
    });
    this.close();
  }

  close(): void {
    this.file?.close();
    this.file = undefined;
  }

  private line(type: JsonLinesEventType, fields: Record<string, unknown>): void {
    if (this.file === undefined) throw new MnemeError('internal', 'JsonLinesLogger: no run started (call runStart first)');
    this.file.write(`${JSON.stringify({ type, wall_time: Date.now() / 1000, ...fields })}\n`);
  }
}
