import { describe, expect, it } from 'vitest';
import { GraphStructureError } from './errors.js';
import { createGraph, type Graph, type Node } from './ir.js';
import { sortGraph, topologicalOrder, validateGraph } from './topology.js';
import { createTensor } from './tensor-value.js';

const node = (name: string, inputs: string[], outputs: string[]): Node => ({
  name,
  opType: 'Add',
  domain: '',
  inputs,
  outputs,
  attributes: {},
});

function graphOf(nodes: Node[]): Graph {
  const g = createGraph();
  g.inputs.push({ name: 'x', dtype: 'float32', shape: [1] });
  g.initializers.set('w', createTensor('float32', [1], [1]));
  g.nodes.push(...nodes);
  return g;
}

describe('topologicalOrder', () => {
  it('orders nodes after their producers and keeps a sorted graph as it is', () => {
    const g = graphOf([
      node('c', ['b', 'a'], ['c']),
      node('b', ['a', 'w'], ['b']),
      node('a', ['x', 'x'], ['a']),
      node('d', ['x', ''], ['d']),
    ]);
    const order = topologicalOrder(g).map((n) => n.name);
    expect(order.indexOf('a')).toBeLessThan(order.indexOf('b'));
    expect(order.indexOf('b')).toBeLessThan(order.indexOf('c'));
    expect(order).toHaveLength(4);
    sortGraph(g);
    expect(topologicalOrder(g).map((n) => n.name)).toEqual(g.nodes.map((n) => n.name));
  });

  it('names the nodes of a cycle', () => {
    const g = graphOf([node('p', ['x', 'r'], ['p']), node('q', ['p', 'w'], ['q']), node('r', ['q', 'w'], ['r'])]);
    expect(() => topologicalOrder(g)).toThrow(GraphStructureError);
    expect(() => topologicalOrder(g)).toThrow(/cycle: (p → q → r → p|q → r → p → q|r → p → q → r)/);
  });

  it('names every missing producer at once', () => {
    const g = graphOf([node('a', ['x', 'ghost'], ['a']), node('b', ['phantom', 'a'], ['b'])]);
    expect(() => topologicalOrder(g)).toThrow(/'a' \(Add\) reads 'ghost'[\s\S]*'b' \(Add\) reads 'phantom'/);
  });

  it('handles long chains without overflowing the stack', () => {
    const nodes = Array.from({ length: 20000 }, (_, i) => node(`n${i}`, [i === 0 ? 'x' : `v${i - 1}`, 'w'], [`v${i}`]));
    const order = topologicalOrder(graphOf(nodes.reverse()));
    expect(order[0]!.name).toBe('n0');
    expect(order.at(-1)!.name).toBe('n19999');
  });
});

describe('validateGraph', () => {
  it('reports duplicate producers, names, unproduced outputs and bad initializers together', () => {
    const g = graphOf([node('a', ['x', 'w'], ['y']), node('a', ['x', 'w'], ['y'])]);
    g.outputs.push({ name: 'z', dtype: 'float32', shape: [1] });
    // Hand-made, bypassing the factories' checks, to see validateGraph catch it.
    g.initializers.set('bad', { dtype: 'float32', shape: [3], data: new Float32Array(2), size: 3 });
    const problems = validateGraph(g);
    expect(problems).toEqual(
      expect.arrayContaining([
        "Node name 'a' is used twice",
        "Value 'y' is produced by both 'a' and 'a'",
        "Graph output 'z' is never produced",
        "Initializer 'bad' has 2 elements for dims [3]",
      ]),
    );
    expect(validateGraph(graphOf([node('a', ['x', 'w'], ['y'])]))).toEqual([]);
  });
});
