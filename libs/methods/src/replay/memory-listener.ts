/** How a memory reports changes of its held set (see memory-port.ts). */

/** Rows a memory holds (or starts to hold): `features` is `ids.length × width`, row-major. */
export interface HeldRows {
  readonly features: Float32Array;
  /** Class index of each row. */
  readonly labels: Int32Array;
  /** The strategies' sample ids (the trainer's log positions). */
  readonly ids: Int32Array;
  /** Experience each row came from (0 where the memory does not record it). */
  readonly experiences: Int32Array;
}

/**
 * Told about every change of a memory's held set, in order, after the change is made. The calls
 * carry copies; a listener may keep them.
 */
export interface MemoryListener {
  /** Rows newly held. */
  stored(rows: HeldRows): void;
  /** Ids no longer held (evicted by the policy or deleted on request). */
  removed(ids: readonly number[]): void;
  /** The whole held set was replaced (a restore): `rows` is everything held now. */
  replaced(rows: HeldRows): void;
}

/**
 * Net change of a held set over one operation: ids that entered and left, with entries and exits
 * of the same id cancelled (a sample stored and evicted within one batch never reaches a listener).
 */
export class HeldSetChange {
  private readonly net = new Map<number, number>();

  entered(id: number): void {
    this.bump(id, 1);
  }

  left(id: number): void {
    this.bump(id, -1);
  }

  /** Ids that left (net), in first-seen order. */
  removed(): number[] {
    return [...this.net].filter(([, n]) => n < 0).map(([id]) => id);
  }

  /** Ids that entered (net), in first-seen order. */
  stored(): Set<number> {
    return new Set([...this.net].filter(([, n]) => n > 0).map(([id]) => id));
  }

  private bump(id: number, by: number): void {
    const n = (this.net.get(id) ?? 0) + by;
    if (n === 0) this.net.delete(id);
    else this.net.set(id, n);
  }
}
