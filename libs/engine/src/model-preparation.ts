import { InvalidArgumentError } from '@mneme/errors';
import { cloneModel, type GraphBuilder, inferShapes, type Model, pruneDeadNodes, specialize } from '@mneme/graph';
import { type Tensor } from '@mneme/tensor';
import type { OptimizerSpec, ParameterStore } from '@mneme/execution';
import { inputSpecs } from './engine.js';
import { validateFeeds } from './feed-validation.js';
import { optimizerStateSlots, resolveOptimizerSpec } from './optimizers.js';

/**
 * A copy of `model` where the named initializers are graph inputs instead (same dtype and dims), so
 * their values are fed per run: weights then live in a ParameterStore and a session serves every
 * step without being rebuilt.
 *
 * @throws InvalidArgumentError naming every name that is not an initializer
 */
export function liftInitializers(model: Model, names: readonly string[]): Model {
  const copy = cloneModel(model);
  const g = copy.graph;
  const missing = names.filter((n) => !g.initializers.has(n));
  if (missing.length > 0) {
    throw new InvalidArgumentError(missing.map((n) => `'${n}' is not an initializer of graph '${g.name}'`));
  }
  for (const name of names) {
    const t = g.initializers.get(name)!;
    g.initializers.delete(name);
    // An input that shadowed the initializer is replaced by the plain input.
    g.inputs = g.inputs.filter((i) => i.name !== name);
    g.inputs.push({ name, dtype: t.dtype, shape: [...t.shape] });
  }
  return copy;
}

/**
 * Checks `feeds` against `model`'s inputs (except `fedElsewhere`, e.g. parameters from a store) and
 * returns the sizes of the symbolic dims they bind, e.g. `{ batch: 32 }`.
 *
 * @throws InvalidArgumentError listing every missing, unknown, mis-typed or mis-shaped feed
 */
export function bindDims(
  model: Model,
  feeds: Readonly<Record<string, Tensor>>,
  fedElsewhere: ReadonlySet<string> = new Set(),
): Record<string, number> {
  const specs = inputSpecs(model).filter((s) => !fedElsewhere.has(s.name));
  validateFeeds(specs, feeds);
  const dims: Record<string, number> = {};
  for (const spec of specs) {
    const value = feeds[spec.name];
    spec.shape?.forEach((d, i) => {
      if (typeof d === 'string' && d !== '' && value !== undefined) dims[d] = value.shape[i]!;
    });
  }
  return dims;
}

/** `model` with its symbolic dims fixed to `dims` (the same object when nothing is symbolic). */
export function specializeModel(model: Model, dims: Readonly<Record<string, number>>): Model {
  if (Object.keys(dims).length === 0) return model;
  return { ...model, graph: specialize(model.graph, dims) };
}

/** A stable cache key for a set of dims. */
export function dimsKey(dims: Readonly<Record<string, number>>): string {
  return Object.keys(dims)
    .sort()
    .map((k) => `${k}=${dims[k]}`)
    .join(',');
}

/**
 * Finishes a runner graph: the model built so far, with exactly `outputs` as graph outputs (typed by
 * shape inference) and every node they do not need pruned.
 */
export function buildWithOutputs(b: GraphBuilder, outputs: readonly string[]): Model {
  const built = b.build({ validate: false });
  const types = inferShapes(built);
  built.graph.outputs = [...new Set(outputs)].map((name) => {
    const t = types.get(name);
    if (t === undefined) throw new InvalidArgumentError(`'${name}' is not a value of graph '${built.graph.name}'`);
    return { name, dtype: t.dtype, shape: [...t.shape] };
  });
  return { ...built, graph: pruneDeadNodes(built.graph) };
}

/** Gives `value` a predictable name (an Identity node), so runners can fetch it by that name. */
export function named(b: GraphBuilder, value: string, name: string): string {
  const [out] = b.op('Identity', [value], {}, { outputs: [b.freshName(name)] });
  return out!;
}

/**
 * What is wrong with `trainable` as the weights a runner updates: names missing from the store or
 * from the graph's initializers, and (with `float32`) initializers of another dtype.
 */
export function trainableProblems(
  model: Model,
  store: { has(name: string): boolean },
  trainable: readonly string[],
  options: { float32: boolean },
): string[] {
  return trainable.flatMap((n) => {
    const found: string[] = [];
    if (!store.has(n)) found.push(`trainable '${n}' is not in the parameter store`);
    const init = model.graph.initializers.get(n);
    if (init === undefined) found.push(`trainable '${n}' is not an initializer of graph '${model.graph.name}'`);
    else if (options.float32 && init.dtype !== 'float32') found.push(`trainable '${n}' is not float32`);
    return found;
  });
}

/**
 * Checks what a training runner (train step, interfered replay step) is given — the optimizer spec
 * and the float32 weights it updates (every stored parameter unless `trainable` names some) — and
 * gives each of those weights its optimizer state (zeros for missing slots).
 *
 * @throws InvalidArgumentError listing every problem
 */
export function prepareTraining(options: {
  readonly model: Model;
  readonly store: ParameterStore;
  readonly optimizer: OptimizerSpec;
  readonly trainable?: readonly string[] | undefined;
}): { trainable: readonly string[]; slots: readonly string[] } {
  resolveOptimizerSpec(options.optimizer);
  const trainable = options.trainable ?? options.store.names();
  const slots = optimizerStateSlots(options.optimizer);
  const problems = trainableProblems(options.model, options.store, trainable, { float32: true });
  if (trainable.length === 0) problems.push('nothing to train: the store is empty and no trainable names were given');
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  options.store.ensureState(slots, trainable);
  return { trainable, slots };
}
