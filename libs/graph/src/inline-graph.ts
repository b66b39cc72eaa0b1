import type { GraphBuilder } from './builder.js';
import { GraphError } from './errors.js';
import type { Graph } from './ir.js';

/**
 * Copies `graph`'s nodes into `b` with every value renamed under `prefix`, substituting bound
 * values: `bindings` maps a graph input or initializer of `graph` to a value of `b`. Unbound
 * initializers are copied as initializers (shared data); unbound inputs are an error. Returns the
 * new name of every output of `graph` (and of every other value, for inspection).
 *
 * Used to instantiate a model twice in one graph (before and after a virtual update), or to chain
 * two models into one (a tokenizer's embeddings graph feeding an encoder).
 */
export function inlineGraph(
  b: GraphBuilder,
  graph: Graph,
  bindings: ReadonlyMap<string, string>,
  prefix: string,
): ReadonlyMap<string, string> {
  const renamed = new Map<string, string>(bindings);
  for (const [name, value] of graph.initializers) {
    if (!renamed.has(name)) renamed.set(name, b.initializer(b.freshName(`${prefix}${name}`), value));
  }
  const missing = graph.inputs.filter((i) => !renamed.has(i.name)).map((i) => i.name);
  if (missing.length > 0) throw new GraphError(`inlineGraph: bind every input of the inlined graph; unbound: ${missing.join(', ')}`);
  const rename = (v: string): string => {
    if (v === '') return '';
    const r = renamed.get(v);
    if (r === undefined) throw new GraphError(`inlineGraph: value '${v}' is used before it is produced`);
    return r;
  };
  for (const node of graph.nodes) {
    const outputs = node.outputs.map((o) => (o === '' ? '' : b.freshName(`${prefix}${o}`)));
    b.op(node.opType, node.inputs.map(rename), node.attributes, {
      name: b.freshName(`${prefix}${node.name}`),
      domain: node.domain,
      outputs,
    });
    node.outputs.forEach((o, i) => {
      if (o !== '') renamed.set(o, outputs[i]!);
    });
  }
  return renamed;
}
