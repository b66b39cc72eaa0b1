import { basename, dirname, join } from 'node:path';
import { InvalidArgumentError } from '@mneme/errors';
import { createExperimentLogger, parseLoggerNames, type ExperimentLogger } from '@mneme/experiment-log';

/** The experiment logs of `mneme run`: the logger and the folder it writes. */
export interface RunLogs {
  readonly logger: ExperimentLogger;
  readonly names: readonly string[];
  readonly dir: string;
}

/** `20261208-001433` (UTC): a folder-name-safe time. */
const stamp = (date: Date): string => date.toISOString().slice(0, 19).replace(/-/g, '').replace('T', '-').replace(/:/g, '');

/**
 * Where logs go without `--log-dir`: beside the `--out` report (`results/x.json` → `results/x.logs`),
 * else `.mneme/logs/<benchmark>-<strategy>-<time>`.
 */
export function defaultLogDir(options: { out?: string; benchmark: string; strategy: string }, now = new Date()): string {
  if (options.out !== undefined) return join(dirname(options.out), `${basename(options.out).replace(/\.json$/i, '')}.logs`);
  return join('.mneme', 'logs', `${options.benchmark}-${options.strategy}-${stamp(now)}`);
}

/**
 * The experiment logs `--log a,b --log-dir <dir>` ask for, or undefined without `--log`. Names are
 * checked before anything runs, and nothing is created until the first run starts.
 *
 * @throws InvalidArgumentError for an unknown logger name (listing the accepted ones) or `--log-dir` without `--log`
 */
export function runLogsOf(o: { log?: string; logDir?: string; out?: string; benchmark: string; strategy: string }): RunLogs | undefined {
  if (o.log === undefined) {
    if (o.logDir !== undefined)
      throw new InvalidArgumentError(`--log-dir '${o.logDir}' needs --log <loggers> (csv, tensorboard, jsonl) to say what to write`);
    return undefined;
  }
  const names = parseLoggerNames(o.log);
  const dir = o.logDir ?? defaultLogDir(o);
  return { logger: createExperimentLogger(names, dir), names, dir };
}
