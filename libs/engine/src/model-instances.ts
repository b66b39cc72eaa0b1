import { appendGradients } from '@mneme/autodiff';
import { InvalidArgumentError } from '@mneme/errors';
import { type GraphBuilder, inlineGraph, type Model } from '@mneme/graph';
import { specializeModel } from './model-preparation.js';

/**
 * Declares `model`'s initializers in `b` for graphs that instantiate the model several times: the
 * `trainable` ones become inputs (fed from a store), the others shared initializers. Returns
 * initializer name → value name in `b`.
 */
export function sharedWeights(b: GraphBuilder, model: Model, trainable: ReadonlySet<string>): Map<string, string> {
  const shared = new Map<string, string>();
  for (const [name, t] of model.graph.initializers) {
    shared.set(name, trainable.has(name) ? b.input(name, t.dtype, [...t.shape]) : b.initializer(name, t));
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

/** Graph input names of the incoming batch and of the candidates in MIR's graphs. */
export const incomingInput = (name: string): string => `incoming/${name}`;
export const candidateInput = (name: string): string => `candidate/${name}`;

/** What {@link appendVirtualUpdate} added to a graph (value names). */
export interface VirtualUpdate {
  /** Initializer name → value: trainables as graph inputs, the rest shared initializers. */
  readonly shared: ReadonlyMap<string, string>;
  /** Mean loss of the incoming batch at w. */
  readonly incomingLoss: string;
  /** ∇L_in(w) per trainable. */
  readonly incomingGrads: ReadonlyMap<string, string>;
  /** Like `shared`, with each trainable moved to w′. */
  readonly moved: ReadonlyMap<string, string>;
  /** Per-sample candidate losses at w and at w′ = w − lr·∇L_in(w). */
  readonly before: string;
  readonly after: string;
}

/**
 * MIR's virtual step in `b`: the incoming batch's loss and gradient at w, the virtual weights
 * w′ = w − lr·∇L_in(w), and every candidate's per-sample loss at w and at w′. The model is
 * instantiated three times (incoming at w, candidates at w and at w′); frozen weights are shared.
 */
export function appendVirtualUpdate(
  b: GraphBuilder,
  spec: { model: Model; loss: string; perSampleLoss: string; trainable: readonly string[]; lr: string },
  incomingDims: Readonly<Record<string, number>>,
  candidateDims: Readonly<Record<string, number>>,
): VirtualUpdate {
  const { model, trainable, lr } = spec;
  const shared = sharedWeights(b, model, new Set(trainable));
  const current = modelInstance(b, model, incomingDims, shared, incomingInput, 'incoming/');
  const incomingLoss = instanceValue(current, spec.loss, 'loss', model);
  const incomingGrads = appendGradients(b, { loss: incomingLoss, wrt: trainable });
  const moved = new Map(shared);
  for (const name of trainable) moved.set(name, b.sub(name, b.mul(lr, incomingGrads.get(name)!)));
  const perSample = (weights: ReadonlyMap<string, string>, prefix: string) =>
    instanceValue(modelInstance(b, model, candidateDims, weights, candidateInput, prefix), spec.perSampleLoss, 'per-sample loss', model);
  return { shared, incomingLoss, incomingGrads, moved, before: perSample(shared, 'before/'), after: perSample(moved, 'after/') };
}
