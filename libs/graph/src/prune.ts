/** Dead-code elimination: keep only what the requested values need. */
import { cloneGraph, type Graph } from './ir.js';
import { topologicalOrder } from './topology.js';

/** Options of `pruneDeadNodes`. */
export interface PruneOptions {
  /** Also drop graph inputs nothing reads. Inputs define the feed contract, so they stay by default. @default false */
  removeUnusedInputs?: boolean;
  /** Drop initializers nothing reads. @default true */
  removeUnusedInitializers?: boolean;
}

/**
 * Returns a copy of `graph` holding only the nodes needed to compute `keep` (by default the graph
 * outputs). Graph outputs not in `keep` are removed; names in `keep` that are not graph outputs stay
 * computable but are not made outputs. The input graph is not changed.
 */
export function pruneDeadNodes(graph: Graph, keep?: readonly string[], options: PruneOptions = {}): Graph {
  const wanted = new Set(keep ?? graph.outputs.map((o) => o.name));
  const live = new Set(wanted);
  const liveNodes = new Set<number>();
  const ordered = topologicalOrder(graph);
  const indexOf = new Map(graph.nodes.map((n, i) => [n, i]));
  const position = (node: (typeof graph.nodes)[number]): number => indexOf.get(node) ?? -1;
  // Walk consumers before producers so liveness flows from outputs to inputs in one pass.
  for (let k = ordered.length - 1; k >= 0; k--) {
    const node = ordered[k]!;
    if (!node.outputs.some((o) => o !== '' && live.has(o))) continue;
    liveNodes.add(position(node));
    for (const input of node.inputs) if (input !== '') live.add(input);
  }
  const copy = cloneGraph(graph);
  copy.nodes = copy.nodes.filter((_, i) => liveNodes.has(i));
  copy.outputs = copy.outputs.filter((o) => wanted.has(o.name));
  if (options.removeUnusedInitializers ?? true) {
    for (const name of [...copy.initializers.keys()]) if (!live.has(name)) copy.initializers.delete(name);
  }
  if (options.removeUnusedInputs ?? false) copy.inputs = copy.inputs.filter((v) => live.has(v.name));
  const values = new Set(copy.nodes.flatMap((n) => n.outputs));
  copy.valueInfo = copy.valueInfo.filter((v) => values.has(v.name));
  return copy;
}
