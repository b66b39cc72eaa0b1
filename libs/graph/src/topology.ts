/** Graph structure: topological order and structural validation. */
import { GraphStructureError } from './errors.js';
import { type Graph, type Node } from './ir.js';
import { elementCount } from './tensor-value.js';

/** Maps each value name to the index of the node producing it; collects duplicate producers. */
function producerIndex(graph: Graph, problems: string[]): Map<string, number> {
  const producers = new Map<string, number>();
  const external = new Set([...graph.inputs.map((v) => v.name), ...graph.initializers.keys()]);
  graph.nodes.forEach((node, i) => {
    for (const out of node.outputs) {
      if (out === '') continue;
      const previous = producers.get(out);
      if (previous !== undefined) {
        problems.push(`Value '${out}' is produced by both '${graph.nodes[previous]!.name}' and '${node.name}'`);
      } else if (external.has(out)) {
        problems.push(`Value '${out}' is produced by node '${node.name}' but is also a graph input or initializer`);
      } else {
        producers.set(out, i);
      }
    }
  });
  return producers;
}

/** Names every value available before any node runs: graph inputs and initializers. */
function externalValues(graph: Graph): Set<string> {
  return new Set([...graph.inputs.map((v) => v.name), ...graph.initializers.keys()]);
}

function describe(node: Node): string {
  return `'${node.name}' (${node.opType})`;
}

/**
 * Depth-first order over producers; returns the order, or the cycle found as a list of node
 * indices. Iterative so that deep graphs cannot overflow the call stack.
 */
function order(graph: Graph, producers: Map<string, number>): { order: number[] } | { cycle: number[] } {
  const state = new Uint8Array(graph.nodes.length); // 0 new, 1 on the stack, 2 done
  const result: number[] = [];
  for (let root = 0; root < graph.nodes.length; root++) {
    if (state[root] !== 0) continue;
    const stack: { node: number; next: number }[] = [{ node: root, next: 0 }];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const inputs = graph.nodes[top.node]!.inputs;
      if (top.next < inputs.length) {
        const producer = producers.get(inputs[top.next++]!);
        if (producer === undefined || state[producer] === 2) continue;
        if (state[producer] === 1) {
          const from = stack.findIndex((f) => f.node === producer);
          return { cycle: stack.slice(from).map((f) => f.node) };
        }
        state[producer] = 1;
        stack.push({ node: producer, next: 0 });
      } else {
        state[top.node] = 2;
        result.push(top.node);
        stack.pop();
      }
    }
  }
  return { order: result };
}

/**
 * Returns the graph's nodes in an order where every node comes after the producers of its
 * inputs; an already sorted graph keeps its order. Throws `GraphStructureError` naming every input
 * without producer, duplicate producers, or the nodes of a cycle.
 */
export function topologicalOrder(graph: Graph): Node[] {
  const problems: string[] = [];
  const producers = producerIndex(graph, problems);
  const external = externalValues(graph);
  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      if (input !== '' && !producers.has(input) && !external.has(input)) {
        problems.push(`Node ${describe(node)} reads '${input}', which no node, graph input or initializer produces`);
      }
    }
  }
  if (problems.length > 0) throw new GraphStructureError(problems);
  const result = order(graph, producers);
  if ('cycle' in result) {
    // The stack runs from consumer to producer; report it in data-flow order.
    const names = result.cycle.map((i) => graph.nodes[i]!.name).reverse();
    throw new GraphStructureError([`Graph has a cycle: ${[...names, names[0]].join(' → ')}`]);
  }
  return result.order.map((i) => graph.nodes[i]!);
}

/** Sorts `graph.nodes` in place into topological order (see `topologicalOrder`) and returns the graph. */
export function sortGraph(graph: Graph): Graph {
  graph.nodes = topologicalOrder(graph);
  return graph;
}

/**
 * Checks a graph's structure and returns every problem found (empty when valid): node names unique
 * and non-empty, one producer per value, every node input and graph output produced, no cycles,
 * initializer element counts matching their dims.
 */
export function validateGraph(graph: Graph): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const node of graph.nodes) {
    if (node.name === '') problems.push(`A ${node.opType} node has no name`);
    else if (names.has(node.name)) problems.push(`Node name '${node.name}' is used twice`);
    names.add(node.name);
    if (node.opType === '') problems.push(`Node '${node.name}' has no op type`);
    if (node.outputs.every((o) => o === '')) problems.push(`Node ${describe(node)} has no outputs`);
  }
  const inputNames = new Set<string>();
  for (const v of graph.inputs) {
    if (inputNames.has(v.name)) problems.push(`Graph input '${v.name}' is declared twice`);
    inputNames.add(v.name);
  }
  for (const [name, t] of graph.initializers) {
    if (t.data.length !== elementCount(t.shape)) {
      problems.push(`Initializer '${name}' has ${t.data.length} elements for dims [${t.shape.join(', ')}]`);
    }
  }
  try {
    topologicalOrder(graph);
  } catch (error) {
    if (!(error instanceof GraphStructureError)) throw error;
    problems.push(...error.problems);
  }
  const producers = producerIndex(graph, []);
  const external = externalValues(graph);
  for (const out of graph.outputs) {
    if (!producers.has(out.name) && !external.has(out.name)) problems.push(`Graph output '${out.name}' is never produced`);
  }
  return problems;
}

/** Throws `GraphStructureError` listing every problem `validateGraph` finds. */
export function assertValidGraph(graph: Graph): void {
  const problems = validateGraph(graph);
  if (problems.length > 0) throw new GraphStructureError(problems);
}
