import { inlineGraph } from '@mneme/autodiff';
import { InvalidArgumentError } from '@mneme/errors';
import { type GraphBuilder, type Model } from '@mneme/graph';
import { specializeModel } from './model-preparation.js';

/**
 * Declares `model`'s initializers in `b` for graphs that instantiate the model several times: the
 * `trainable` ones become inputs (fed from a store), the others shared initializers. Returns
 * initializer name → value name in `b`.
 */
export function sharedWeights(b: GraphBuilder, model: Model, trainable: ReadonlySet<string>): Map<string, string> {
  const shared = new Map<string, string>();
  for (const [name, t] of model.graph.initializers) {
    shared.set(name, trainable.has(name) ? b.input(name, t.dtype, [...t.dims]) : b.initializer(name, t));
  }
  return shared;
}

/**
 * Inlines one instance of `model`, its symbolic dims fixed to `dims`, into `b` under `prefix`. Inputs
 * are bound by `bindings` (weights, values computed earlier); any other input becomes the graph
 * input `inputName(input)`, declared on first use and shared by later instances.
 */
export function modelInstance(
  b: GraphBuilder,
  model: Model,
  dims: Readonly<Record<string, number>>,
  bindings: ReadonlyMap<string, string>,
  inputName: (name: string) => string,
  prefix: string,
): ReadonlyMap<string, string> {
  const graph = specializeModel(model, dims).graph;
  const bound = new Map(bindings);
  for (const input of graph.inputs) {
    if (bound.has(input.name)) continue;
    const name = inputName(input.name);
    bound.set(input.name, b.has(name) ? name : b.input(name, input.dtype, input.shape ?? []));
  }
  return inlineGraph(b, graph, bound, prefix);
}

/** The value `name` of a model instance. @throws InvalidArgumentError naming the missing value */
export function instanceValue(instance: ReadonlyMap<string, string>, name: string, what: string, model: Model): string {
  const value = instance.get(name);
  if (value === undefined) throw new InvalidArgumentError(`${what} '${name}' is not a value of graph '${model.graph.name}'`);
  return value;
}
