/** Specialisation of symbolic dims (batch, sequence) to concrete sizes, cached per graph. */
import { ShapeInferenceError } from './errors.js';
import { cloneGraph, type Dim, type Graph, type Model } from './ir.js';

// Keyed by graph identity so a collected graph frees its specialisations.
const cache = new WeakMap<Graph, Map<string, Graph>>();

function dimsKey(dims: Readonly<Record<string, number>>): string {
  return JSON.stringify(
    Object.keys(dims)
      .sort()
      .map((k) => [k, dims[k]]),
  );
}

function substitute(shape: Dim[] | undefined, dims: Readonly<Record<string, number>>): Dim[] | undefined {
  return shape?.map((d) => (typeof d === 'string' && d !== '' && dims[d] !== undefined ? dims[d] : d));
}

/**
 * Returns a copy of `graph` whose input, output and value-info shapes have the named symbolic dims
 * replaced by `dims` (other symbolic dims stay). The result is cached by graph identity and dims, so
 * the same object comes back for the same request: treat it as read-only, and call
 * `clearSpecializations(graph)` after mutating `graph`. Tensor data is shared with `graph`.
 */
export function specialize(graph: Graph, dims: Readonly<Record<string, number>>): Graph {
  for (const [name, value] of Object.entries(dims)) {
    if (!Number.isInteger(value) || value < 0) throw new ShapeInferenceError(`dim '${name}' must be a non-negative integer, got ${value}`);
  }
  let perGraph = cache.get(graph);
  if (perGraph === undefined) {
    perGraph = new Map();
    cache.set(graph, perGraph);
  }
  const key = dimsKey(dims);
  const hit = perGraph.get(key);
  if (hit !== undefined) return hit;
  const copy = cloneGraph(graph);
  for (const list of [copy.inputs, copy.outputs, copy.valueInfo]) {
    for (const v of list) v.shape = substitute(v.shape, dims);
  }
  perGraph.set(key, copy);
  return copy;
}

/** Drops cached specialisations of `graph` (call after mutating it). */
export function clearSpecializations(graph: Graph): void {
  cache.delete(graph);
}

/** `specialize` for a whole model: the same model with its graph's named dims made concrete. */
export function specializeModel(model: Model, dims: Readonly<Record<string, number>>): Model {
  return { ...model, graph: specialize(model.graph, dims) };
}
