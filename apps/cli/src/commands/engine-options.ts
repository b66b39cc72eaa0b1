import { type EngineOptions } from '@mneme/engine';
import { InvalidArgumentError } from '@mneme/errors';

/** Help text of the `--threads` flag, shared by the commands that train. */
export const THREADS_HELP = 'ONNX Runtime intra-op threads (default: MNEME_THREADS, else every core)';

/**
 * Engine options of a CLI command: `--threads` when given (else the engine reads MNEME_THREADS,
 * else uses every core), and idle worker threads that sleep rather than spin, since a CLI run
 * shares its cores with the services and whatever else the machine runs.
 *
 * @throws InvalidArgumentError when `--threads` is not a positive integer
 */
export function cliEngineOptions(threads: string | undefined): EngineOptions {
  const n = threads === undefined ? undefined : Number(threads);
  if (n !== undefined && !(Number.isInteger(n) && n > 0))
    throw new InvalidArgumentError(`--threads must be a positive integer, got '${threads}'`);
  return { ...(n === undefined ? {} : { intraOpNumThreads: n }), allowSpinning: false };
}
