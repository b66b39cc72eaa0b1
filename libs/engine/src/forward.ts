import { cloneModel, inferShapes, type Model } from '@mneme/graph';
import { InvalidArgumentError } from '@mneme/errors';
import { type Tensor } from '@mneme/tensor';
import { type Engine, type GraphOptimizationLevel } from './engine.js';
import { bindDims, dimsKey, liftInitializers, specializeModel } from './model-preparation.js';
import { type ForwardRequest } from '@mneme/execution';

/** Options of {@link forward}. */
export interface ForwardOptions extends ForwardRequest {
  /** Graph optimisation; `basic` measured slightly faster than `all` for forward graphs. @default the engine's setting */
  graphOptimizationLevel?: GraphOptimizationLevel;
}

// Derived models per source model (weak: dropped models free them), so repeated calls hit the
// engine's session cache without re-encoding. Keyed by bound dims and lifted parameter names.
const derived = new WeakMap<Model, Map<string, Model>>();

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
  const dims = bindDims(model, feeds, new Set(params));
  const outputs = new Set(model.graph.outputs.map((o) => o.name));
  const extra = (options.fetches ?? []).filter((f) => !outputs.has(f));
  const key = `${dimsKey(dims)}|${params.join('\u0000')}|${extra.join('\u0000')}`;
  let perModel = derived.get(model);
  if (perModel === undefined) {
    perModel = new Map();
    derived.set(model, perModel);
  }
  let prepared = perModel.get(key);
  if (prepared === undefined) {
    const specialized = specializeModel(model, dims);
    prepared = params.length === 0 ? specialized : liftInitializers(specialized, params);
    if (extra.length > 0) prepared = withExtraOutputs(prepared, extra);
    perModel.set(key, prepared);
  }
  const allFeeds: Record<string, Tensor> = { ...feeds };
  for (const name of params) allFeeds[name] = options.params!.get(name);
  const session = await engine.session(prepared, options.graphOptimizationLevel === undefined ? {} : { graphOptimizationLevel: options.graphOptimizationLevel });
  return session.run(allFeeds, options.fetches === undefined ? {} : { fetches: options.fetches });
}

/** A copy of `model` that also outputs the intermediate values `names`. */
function withExtraOutputs(model: Model, names: readonly string[]): Model {
  const types = inferShapes(model);
  const missing = names.filter((n) => !types.has(n));
  if (missing.length > 0) throw new InvalidArgumentError(missing.map((n) => `fetch '${n}' is not a value of graph '${model.graph.name}'`));
  const copy = cloneModel(model);
  for (const name of names) {
    const t = types.get(name)!;
    copy.graph.outputs.push({ name, dtype: t.dtype, shape: [...t.shape] });
  }
  return copy;
}
