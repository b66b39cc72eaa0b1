import type { Model } from '@mneme/graph';

/**
 * Graphs built once per key (usually a shape) and reused, so the engine's per-model caches hit
 * instead of compiling a fresh copy of the same graph.
 */
export class GraphMemo {
  private readonly graphs = new Map<string, Model>();

  /** The graph for `key`, built with `build` the first time. */
  get(key: string, build: () => Model): Model {
    let model = this.graphs.get(key);
    if (model === undefined) {
      model = build();
      this.graphs.set(key, model);
    }
    return model;
  }
}
