import { MnemeError, InvalidArgumentError } from '@mneme/errors';

/** Default of {@link TenantLimiter}'s limit: calls of one tenant in flight per method, per process. */
export const DEFAULT_MAX_IN_FLIGHT_PER_TENANT = 32;

/** What {@link TenantLimiter.acquire} returns when nothing was taken. */
export const NOTHING_TO_RELEASE = (): void => undefined;

/**
 * Bounds the calls one tenant has in flight on a method, so one tenant flooding Ingest or Predict
 * gets RESOURCE_EXHAUSTED (retry with backoff) instead of slowing every other tenant down.
 */
export class TenantLimiter {
  private readonly inFlight = new Map<string, number>();

  /** @param max calls one tenant may have in flight per method; 0 disables the limit. */
  constructor(private readonly max: number = DEFAULT_MAX_IN_FLIGHT_PER_TENANT) {
    if (!Number.isInteger(max) || max < 0) throw new InvalidArgumentError(`tenant in-flight limit must be a whole number >= 0, got ${max}`);
  }

  /** Takes a slot or throws resource-exhausted; call the returned function exactly once when the call ends. */
  acquire(tenant: string, path: string): () => void {
    if (this.max === 0) return NOTHING_TO_RELEASE;
    const key = `${tenant}\u0000${path}`;
    const now = this.inFlight.get(key) ?? 0;
    if (now >= this.max) {
      throw new MnemeError(
        'resource-exhausted',
        `tenant ${tenant} already has ${now} ${methodName(path)} calls in flight (limit MNEME_TENANT_MAX_IN_FLIGHT=${this.max}); retry with backoff`,
      );
    }
    this.inFlight.set(key, now + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    };
  }
}

function methodName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
