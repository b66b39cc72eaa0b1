import { isFloatDType } from '@mneme/tensor';
import { Attr, createTensor, inferGraph, topologicalOrder, type GraphBuilder, type Node, type TensorType } from '@mneme/graph';
import { GradientError, MissingGradientRuleError } from './errors.js';
import { makeGradContext, zerosOf, type ForwardFacts } from './grad-context.js';
import { GRADIENT_RULES, NON_DIFFERENTIABLE_OPS } from './gradient-rules.js';

/** Options of {@link appendGradients}. */
export interface AppendGradientsOptions {
  /** The scalar value to differentiate (unless `cotangents` is given). */
  loss?: string;
  /**
   * Vector-Jacobian product mode: value → name of the value holding its cotangent (same type).
   * Used instead of `loss`, or in addition to it.
   */
  cotangents?: ReadonlyMap<string, string>;
  /** Values to differentiate with respect to: initializers and/or graph inputs (or any value). */
  wrt: readonly string[];
}

/**
 * Appends the backward pass to the graph in `b` and returns, for each requested value, the name of
 * its gradient. Only nodes on a path from a requested value to the loss get backward work, so frozen
 * weights and integer (shape) sub-graphs cost nothing. Requested values the loss does not depend on
 * get zeros. The graph must have static shapes (specialise symbolic dims first).
 */
export function appendGradients(b: GraphBuilder, options: AppendGradientsOptions): ReadonlyMap<string, string> {
  const graph = b.current;
  const inference = inferGraph(graph, { opset: b.opset });
  // Cotangents are registered with the type of their value (the invariant rules rely on).
  const types = new Map(inference.types);
  const facts: ForwardFacts = { b, opset: inference.opset, types, constants: inference.constants };
  const seeds = seedCotangents(b, options, facts.types);
  const wrt = [...new Set(options.wrt)];
  for (const name of wrt) {
    const t = facts.types.get(name);
    if (t === undefined) throw new GradientError(`Cannot differentiate with respect to '${name}': no such value in the graph`);
    if (!isFloatDType(t.dtype)) throw new GradientError(`Cannot differentiate with respect to '${name}': it is not a floating-point value`);
  }

  const order = topologicalOrder(graph);
  const active = activeNodes(order, new Set(wrt), new Set(seeds.keys()), facts.types);
  // Cotangent contributions per value, summed lazily when first read.
  const contributions = new Map<string, string[]>();
  for (const [value, cot] of seeds) {
    contributions.set(value, [cot]);
    types.set(cot, types.get(value)!);
  }
  const resolved = new Map<string, string>();
  const cotangentOf = (value: string): string | undefined => {
    const hit = resolved.get(value);
    if (hit !== undefined) return hit;
    const parts = contributions.get(value);
    if (parts === undefined || parts.length === 0) return undefined;
    const total = parts.length === 1 ? parts[0]! : b.op('Sum', parts);
    resolved.set(value, total);
    if (!types.has(total)) types.set(total, types.get(value)!);
    return total;
  };

  for (const node of [...order].reverse()) {
    if (!active.nodes.has(node)) continue;
    if (node.outputs.every((o) => o === '' || cotangentOf(o) === undefined)) continue;
    const rule = GRADIENT_RULES[node.opType];
    if (rule === undefined) throw new MissingGradientRuleError(node.opType, node.name);
    const needs = (i: number) => active.values.has(node.inputs[i] ?? '');
    const grads = rule(makeGradContext(node, facts, cotangentOf, needs));
    grads.forEach((g, i) => {
      const input = node.inputs[i];
      if (g === undefined || input === undefined || input === '' || !needs(i)) return;
      const list = contributions.get(input) ?? [];
      list.push(g);
      contributions.set(input, list);
    });
  }

  const result = new Map<string, string>();
  for (const name of wrt) {
    result.set(name, cotangentOf(name) ?? zerosOf(b, facts.types.get(name)!));
  }
  return result;
}

function seedCotangents(b: GraphBuilder, options: AppendGradientsOptions, types: ReadonlyMap<string, TensorType>): Map<string, string> {
  const seeds = new Map<string, string>();
  if (options.loss !== undefined) {
    const t = types.get(options.loss);
    if (t === undefined) throw new GradientError(`Loss '${options.loss}' is not a value of the graph`);
    if (t.shape.reduce((a, d) => a * d, 1) !== 1) {
      throw new GradientError(`Loss '${options.loss}' must be a scalar, got shape [${t.shape.join(', ')}]; reduce it or pass cotangents`);
    }
    if (!isFloatDType(t.dtype)) throw new GradientError(`Loss '${options.loss}' must be floating-point`);
    seeds.set(options.loss, b.op('ConstantOfShape', [b.ints(t.shape)], { value: oneOf(t) }));
  }
  for (const [value, cot] of options.cotangents ?? []) {
    const t = types.get(value);
    const c = types.get(cot);
    if (t === undefined) throw new GradientError(`Cotangent target '${value}' is not a value of the graph`);
    if (c === undefined) throw new GradientError(`Cotangent '${cot}' is not a value of the graph`);
    if (c.dtype !== t.dtype || c.shape.join() !== t.shape.join()) {
      throw new GradientError(
        `Cotangent '${cot}' of '${value}' must have its type; got [${c.shape.join(', ')}] for [${t.shape.join(', ')}]`,
      );
    }
    seeds.set(value, cot);
  }
  if (seeds.size === 0) throw new GradientError('Nothing to differentiate: give a loss or cotangents');
  return seeds;
}

function oneOf(t: TensorType) {
  return Attr.tensor(createTensor(t.dtype, [1], [1]));
}

/**
 * Nodes that need backward work: those on a float path from a requested value to a seeded value.
 * `values` holds every value on such a path (the ones whose cotangents matter).
 */
function activeNodes(
  order: readonly Node[],
  wrt: ReadonlySet<string>,
  seeded: ReadonlySet<string>,
  types: ReadonlyMap<string, TensorType>,
): { nodes: Set<Node>; values: Set<string> } {
  const isFloat = (v: string) => {
    const t = types.get(v);
    return t !== undefined && isFloatDType(t.dtype);
  };
  // Forward: values that depend on a requested value through differentiable ops.
  const depends = new Set(wrt);
  for (const node of order) {
    if (NON_DIFFERENTIABLE_OPS.has(node.opType)) continue;
    if (node.inputs.some((i) => depends.has(i))) for (const o of node.outputs) if (o !== '' && isFloat(o)) depends.add(o);
  }
  // Backward: of those, the ones a seeded value depends on.
  const values = new Set([...seeded].filter((s) => depends.has(s)));
  const nodes = new Set<Node>();
  for (const node of [...order].reverse()) {
    if (!node.outputs.some((o) => values.has(o))) continue;
    nodes.add(node);
    for (const i of node.inputs) if (depends.has(i)) values.add(i);
  }
  return { nodes, values };
}
