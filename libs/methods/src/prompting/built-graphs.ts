import type { Executor } from '@mneme/execution';
import type { Model } from '@mneme/graph';

/**
 * A strategy's graphs, built on first use from its current parameters and kept until what they
 * bake in changes (a head's width, a restored state): then {@link drop} forgets them and frees
 * their sessions in the executor.
 */
export class BuiltGraphs<K extends string> {
  private readonly built = new Map<K, Model>();

  constructor(
    private readonly executor: Executor,
    private readonly build: (kind: K) => Model,
  ) {}

  /** The graph of `kind`, built now if it is not held. */
  get(kind: K): Model {
    let model = this.built.get(kind);
    if (model === undefined) {
      model = this.build(kind);
      this.built.set(kind, model);
    }
    return model;
  }

  /** Forgets every graph and frees its sessions. */
  drop(): void {
    // Freeing is best effort: a failure only leaves memory to the engine's LRU bound.
    for (const model of this.built.values()) void this.executor.release?.(model).catch(() => undefined);
    this.built.clear();
  }
}
