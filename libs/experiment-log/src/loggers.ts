import { InvalidArgumentError } from '@mneme/errors';
import { CsvLogger } from './csv-logger.js';
import type { EvaluationRecord, ExperimentLogger, RunEnd, RunStart, StepRecord } from './experiment-logger.js';
import { JsonLinesLogger } from './jsonl-logger.js';
import { TensorBoardLogger } from './tensorboard-logger.js';

/** Every logger by its `--log` name; each writes into the run folders under the log folder. */
export const LOGGERS: Readonly<Record<string, (dir: string) => ExperimentLogger>> = Object.freeze({
  csv: (dir: string) => new CsvLogger(dir),
  tensorboard: (dir: string) => new TensorBoardLogger(dir),
  jsonl: (dir: string) => new JsonLinesLogger(dir),
});

/**
 * The logger names of a comma-separated list (`csv,tensorboard`), in order, without repeats.
 *
 * @throws InvalidArgumentError naming an unknown or empty name and listing the accepted ones
 */
export function parseLoggerNames(list: string): string[] {
  const names = list.split(',').map((n) => n.trim());
  const accepted = Object.keys(LOGGERS).join(', ');
  for (const name of names) {
    if (name === '') throw new InvalidArgumentError(`--log '${list}' has an empty logger name; accepted loggers: ${accepted}`);
    if (LOGGERS[name] === undefined)
      throw new InvalidArgumentError(`unknown logger '${name}' in --log '${list}'; accepted loggers: ${accepted}`);
  }
  return [...new Set(names)];
}

/** Hands every event to each of several loggers, in order. */
export class FanOutLogger implements ExperimentLogger {
  constructor(private readonly loggers: readonly ExperimentLogger[]) {}

  runStart(run: RunStart): void {
    for (const l of this.loggers) l.runStart(run);
  }

  step(record: StepRecord): void {
    for (const l of this.loggers) l.step(record);
  }

  evaluation(record: EvaluationRecord): void {
    for (const l of this.loggers) l.evaluation(record);
  }

  runEnd(summary: RunEnd): void {
    for (const l of this.loggers) l.runEnd(summary);
  }

  /** Closes every logger, even when one fails (the first failure is rethrown). */
  close(): void {
    let failure: unknown;
    for (const l of this.loggers) {
      try {
        l.close();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }
}

/**
 * The loggers `names` (see {@link parseLoggerNames}) writing under `dir`, as one logger. Nothing is
 * created until a run starts.
 *
 * @throws InvalidArgumentError for an unknown name
 */
export function createExperimentLogger(names: readonly string[], dir: string): ExperimentLogger {
  return new FanOutLogger(parseLoggerNames(names.join(',')).map((name) => LOGGERS[name]!(dir)));
}
