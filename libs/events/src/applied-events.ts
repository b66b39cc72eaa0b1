import { InvalidArgumentError } from '@mneme/errors';
import { BoundedIdSet } from './bounded-id-set.js';

/**
 * The ids of events a consumer has applied, so that a redelivered event (at-least-once delivery)
 * is applied once. `consumeEvents` asks `has` before calling the handler and calls `mark` after
 * the handler resolved and before the offset is committed.
 */
export interface AppliedEvents {
  /** Whether `eventId` was marked (and not yet forgotten because of the capacity bound). */
  has(eventId: string): Promise<boolean>;
  /** Records `eventId` as applied; resolves once the record is as durable as the implementation promises. */
  mark(eventId: string): Promise<void>;
  /** Releases files or connections. Safe to call twice. */
  close(): Promise<void>;
}

/** Options of the bounded id sets. */
export interface AppliedEventsOptions {
  /**
   * How many of the most recent ids are remembered. Redeliveries only ever replay events since the
   * last committed offset, so a bound far above the number of events between commits loses
   * nothing and keeps memory flat in a long-running service.
   * @default 100000
   */
  readonly capacity?: number;
}

/** Validates the capacity option once, with a message that says how to fix it. */
export function resolveCapacity(options: AppliedEventsOptions | undefined): number {
  const capacity = options?.capacity ?? 100_000;
  if (!Number.isSafeInteger(capacity) || capacity < 1)
    throw new InvalidArgumentError(`capacity must be a positive integer, got ${capacity}`);
  return capacity;
}

/** Rejects ids that cannot be stored one per line. */
export function checkEventId(eventId: string): void {
  if (eventId === '' || /\s/.test(eventId))
    throw new InvalidArgumentError(`event id ${JSON.stringify(eventId)} is empty or contains whitespace`);
}

/**
 * Applied event ids in memory: for the embedded stack and for consumers whose state is itself in
 * memory (both are lost together on a restart, so nothing more durable is needed).
 */
export class InMemoryAppliedEvents implements AppliedEvents {
  readonly #ids: BoundedIdSet;

  constructor(options?: AppliedEventsOptions) {
    this.#ids = new BoundedIdSet(resolveCapacity(options));
  }

  has(eventId: string): Promise<boolean> {
    return Promise.resolve(this.#ids.has(eventId));
  }

  mark(eventId: string): Promise<void> {
    checkEventId(eventId);
    this.#ids.add(eventId);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
