import { cloneModel, estimateFlops, inferShapes, type Model } from '@mneme/graph';
import { InvalidArgumentError } from '@mneme/errors';
import { type Tensor } from '@mneme/tensor';
import { type Engine, type GraphOptimizationLevel } from './engine.js';
import { bindDims, dimsKey, liftInitializers } from './model-preparation.js';
import { type ForwardRequest } from '@mneme/execution';

/** Options of {@link forward}. */
export interface ForwardOptions extends ForwardRequest {
  /** Graph optimisation; `basic` measured slightly faster than `all` for forward graphs. @default the engine's setting */
  graphOptimizationLevel?: GraphOptimizationLevel;
}

// Derived models per source model (weak: dropped models free them), so repeated calls hit the
// engine's session cache without re-encoding. Keyed by lifted parameter names and extra fetches.
const derived = new WeakMap<Model, Map<string, Model>>();
// FLOPs per source model and bound dims: shape inference runs once per new shape, not per call.
const flopsMemo = new WeakMap<Model, Map<string, number>>();

/** Forgets the forward graphs derived from `model` and returns them (their sessions are the caller's to free). */
export function forgetForwardGraphs(model: Model): Model[] {
  const perModel = derived.get(model);
  derived.delete(model);
  flopsMemo.delete(model);
  return perModel === undefined ? [] : [...perModel.values()];
}

/**
 * Runs `model` forward on `feeds`. Symbolic dims are bound from the feeds; with `params`, the store's
 * parameters are fed as inputs, so weights updated by a TrainStep are used without rebuilding.
 *
 * @throws InvalidArgumentError listing every bad feed
 */
export async function forward(
  engine: Engine,
  model: Model,
  feeds: Readonly<Record<string, Tensor>>,
  options: ForwardOptions = {},
): Promise<Record<string, Tensor>> {
  const params = options.params?.names() ?? [];
  // Validates the feeds (and that symbolic dims agree across them); the graph itself stays symbolic,
  // so one session serves every batch and sequence size without recompiling.
  const dims = bindDims(model, feeds, new Set(params));
  const outputs = new Set(model.graph.outputs.map((o) => o.name));
  const extra = (options.fetches ?? []).filter((f) => !outputs.has(f));
  const key = `${params.join('\u0000')}|${extra.join('\u0000')}`;
  let perModel = derived.get(model);
  if (perModel === undefined) {
    perModel = new Map();
    derived.set(model, perModel);
  }
  let prepared = perModel.get(key);
  if (prepared === undefined) {
    prepared = params.length === 0 ? model : liftInitializers(model, params);
    if (extra.length > 0) prepared = withExtraOutputs(prepared, extra, dims);
    perModel.set(key, prepared);
  }
  const allFeeds: Record<string, Tensor> = { ...feeds };
  for (const name of params) allFeeds[name] = options.params!.get(name);
  const session = await engine.session(prepared, {
    ...(options.graphOptimizationLevel === undefined ? {} : { graphOptimizationLevel: options.graphOptimizationLevel }),
    ...(Object.keys(dims).length === 0 ? {} : { flopsPerRun: flopsAt(model, dims) }),
  });
  return session.run(allFeeds, options.fetches === undefined ? {} : { fetches: options.fetches });
}

/** FLOPs of one run of `model` at `dims` (NaN when they cannot be estimated). */
function flopsAt(model: Model, dims: Readonly<Record<string, number>>): number {
  let perModel = flopsMemo.get(model);
  if (perModel === undefined) {
    perModel = new Map();
    flopsMemo.set(model, perModel);
  }
  const key = dimsKey(dims);
  let flops = perModel.get(key);
  if (flops === undefined) {
    try {
      flops = estimateFlops(model, dims);
    } catch {
      flops = Number.NaN;
    }
    perModel.set(key, flops);
  }
  return flops;
}

/**
 * A copy of `model` that also outputs the intermediate values `names`. Their types come from shape
 * inference at the first call's dims; only the dtype is kept, so the copy stays symbolic.
 */
function withExtraOutputs(model: Model, names: readonly string[], dims: Readonly<Record<string, number>>): Model {
  const types = inferShapes(model, { dims });
  const missing = names.filter((n) => !types.has(n));
  if (missing.length > 0) throw new InvalidArgumentError(missing.map((n) => `fetch '${n}' is not a value of graph '${model.graph.name}'`));
  const copy = cloneModel(model);
  for (const name of names) copy.graph.outputs.push({ name, dtype: types.get(name)!.dtype });
  return copy;
}
