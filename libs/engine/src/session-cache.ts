/** Counters of a {@link SessionCache}, for tests and metrics. */
import { InvalidArgumentError } from '@mneme/errors';
export interface SessionCacheStats {
  /** Lookups served from the cache (including ones that joined a creation in progress). */
  readonly hits: number;
  /** Lookups that created a value. */
  readonly misses: number;
  /** Values dropped to respect the bound. */
  readonly evictions: number;
  /** Values held now. */
  readonly size: number;
}

/**
 * A least-recently-used map from key to an asynchronously created value (an ORT session). Concurrent
 * lookups of one key share one creation; a failed creation is not cached. Evicted values are handed
 * to `onEvict`, which decides when to free them (a session may still be running).
 */
export class SessionCache<V> {
  // A Map iterates in insertion order; re-inserting on use keeps the least recent first.
  private readonly entries = new Map<string, Promise<V>>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(
    private readonly capacity: number,
    /** May return a promise: {@link clear} waits for it. */
    private readonly onEvict: (value: V, key: string) => void | Promise<void>,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new InvalidArgumentError(`session cache capacity must be a positive integer, got ${capacity}`);
  }

  /** The value for `key`, created with `create` on a miss. */
  async get(key: string, create: () => Promise<V>): Promise<V> {
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, existing);
      return existing;
    }
    this.misses++;
    const pending = create();
    this.entries.set(key, pending);
    void pending.catch(() => {
      if (this.entries.get(key) === pending) this.entries.delete(key);
    });
    this.evictOverflow();
    return pending;
  }

  /**
   * Drops every value whose key satisfies `matches` through `onEvict` (not counted as evictions:
   * the owner asked). Returns how many were dropped.
   */
  drop(matches: (key: string) => boolean): number {
    const doomed = [...this.entries].filter(([key]) => matches(key));
    for (const [key, pending] of doomed) {
      this.entries.delete(key);
      void pending.then((v) => this.onEvict(v, key)).then(undefined, () => undefined);
    }
    return doomed.length;
  }

  /** Whether `key` is cached (without touching its recency). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Current counters. */
  stats(): SessionCacheStats {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, size: this.entries.size };
  }

  /** Drops every value through `onEvict` (not counted as evictions). */
  async clear(): Promise<void> {
    const all = [...this.entries];
    this.entries.clear();
    await Promise.all(
      all.map(([key, p]) =>
        p.then(
          (v) => this.onEvict(v, key),
          () => undefined,
        ),
      ),
    );
  }

  private evictOverflow(): void {
    while (this.entries.size > this.capacity) {
      const [key, oldest] = this.entries.entries().next().value as [string, Promise<V>];
      this.entries.delete(key);
      this.evictions++;
      void oldest.then((v) => this.onEvict(v, key)).then(undefined, () => undefined);
    }
  }
}
