import { InvalidArgumentError } from '@mneme/errors';

/** How long a bus waits before delivering a message again after its handler failed. */
export interface RetryBackoff {
  /** Delay before the first redelivery, in milliseconds. @default 100 */
  readonly initialMs?: number;
  /** Upper bound of the delay, which doubles after every failure, in milliseconds. @default 10000 */
  readonly maxMs?: number;
}

/** {@link RetryBackoff} with defaults applied and checked. */
export interface ResolvedRetryBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** Applies defaults and validates; throws InvalidArgumentError listing every problem. */
export function resolveRetryBackoff(options: RetryBackoff = {}): ResolvedRetryBackoff {
  const initialMs = options.initialMs ?? 100;
  const maxMs = options.maxMs ?? 10_000;
  const problems: string[] = [];
  if (!Number.isFinite(initialMs) || initialMs < 0) problems.push(`retry.initialMs must be a finite number >= 0, got ${initialMs}`);
  if (!Number.isFinite(maxMs) || maxMs < initialMs) problems.push(`retry.maxMs must be a finite number >= retry.initialMs, got ${maxMs}`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return { initialMs, maxMs };
}

/** The delay before delivery number `attempt + 1`, after `attempt` failed deliveries. */
export function backoffDelay(backoff: ResolvedRetryBackoff, attempt: number): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, attempt - 1));
}

/** Waits `ms`, or less if `signal` aborts first (then resolves early, never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
