import { appendGradients } from '@mneme/autodiff';
import { InvalidArgumentError } from '@mneme/errors';
import { GraphBuilder, type Model } from '@mneme/graph';
import { type Tensor } from '@mneme/tensor';
import { type Engine, type GraphOptimizationLevel } from './engine.js';
import { bindDims, buildWithOutputs, dimsKey, liftInitializers, named, specializeModel } from './model-preparation.js';
import { type GradientRequest, type GradientResult } from '@mneme/execution';

/** Options of {@link lossAndGradients}. */
export interface LossAndGradientsOptions extends GradientRequest {
  /** Graph optimisation for the gradient graph. @default the engine's setting */
  graphOptimizationLevel?: GraphOptimizationLevel;
}

/** What {@link lossAndGradients} returns. */
export type LossAndGradients = GradientResult;

interface CompiledGradients {
  model: Model;
  loss: string;
  gradients: Map<string, string>;
  keep: Map<string, string>;
}

// Gradient graphs per source model (weak: dropped models free them), keyed by dims, wrt and params.
const compiledByModel = new WeakMap<Model, Map<string, CompiledGradients>>();

/** Forgets the gradient graphs compiled from `model` and returns them (their sessions are the caller's to free). */
export function forgetGradientGraphs(model: Model): Model[] {
  const compiled = compiledByModel.get(model);
  compiledByModel.delete(model);
  return compiled === undefined ? [] : [...compiled.values()].map((c) => c.model);
}

/**
 * The loss and its gradients with respect to `wrt`, without changing anything. Gradients with
 * respect to graph inputs (prompt embeddings, distilled samples) work the same as for weights.
 *
 * @throws InvalidArgumentError for bad feeds or wrt names that are neither inputs nor initializers
 */
export async function lossAndGradients(
  engine: Engine,
  model: Model,
  feeds: Readonly<Record<string, Tensor>>,
  options: LossAndGradientsOptions,
): Promise<LossAndGradients> {
  const g = model.graph;
  const unknown = options.wrt.filter((n) => !g.initializers.has(n) && !g.inputs.some((i) => i.name === n));
  if (unknown.length > 0)
    throw new InvalidArgumentError(unknown.map((n) => `wrt '${n}' is neither an input nor an initializer of graph '${g.name}'`));
  const params = options.params?.names() ?? [];
  const dims = bindDims(model, feeds, new Set(params));
  const key = [
    dimsKey(dims),
    options.loss,
    options.wrt.join('\u0000'),
    params.join('\u0000'),
    (options.keepOutputs ?? []).join('\u0000'),
  ].join('|');
  let perModel = compiledByModel.get(model);
  if (perModel === undefined) {
    perModel = new Map();
    compiledByModel.set(model, perModel);
  }
  let compiled = perModel.get(key);
  if (compiled === undefined) {
    const specialized = specializeModel(model, dims);
    const b = GraphBuilder.from(params.length === 0 ? specialized : liftInitializers(specialized, params));
    const grads = appendGradients(b, { loss: options.loss, wrt: options.wrt });
    const loss = named(b, options.loss, 'grads/loss');
    const gradients = new Map([...grads].map(([n, v]) => [n, named(b, v, `grads/${n}`)]));
    const keep = new Map((options.keepOutputs ?? []).map((k) => [k, named(b, k, `grads/keep/${k}`)]));
    compiled = { model: buildWithOutputs(b, [loss, ...gradients.values(), ...keep.values()]), loss, gradients, keep };
    perModel.set(key, compiled);
  }
  const allFeeds: Record<string, Tensor> = { ...feeds };
  for (const name of params) allFeeds[name] = options.params!.get(name);
  const session = await engine.session(
    compiled.model,
    options.graphOptimizationLevel === undefined ? {} : { graphOptimizationLevel: options.graphOptimizationLevel },
  );
  const out = await session.run(allFeeds);
  const outputs: Record<string, Tensor> = {};
  for (const [name, fetch] of compiled.keep) outputs[name] = out[fetch]!;
  return {
    loss: Number(out[compiled.loss]!.data[0]),
    gradients: new Map([...compiled.gradients].map(([n, fetch]) => [n, out[fetch]!])),
    outputs,
  };
}
