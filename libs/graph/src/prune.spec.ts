import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './builder.js';
import { type Graph } from './ir.js';
import { pruneDeadNodes } from './prune.js';
import { createTensor } from './tensor-value.js';

const f32 = 'float32';

function twoHeads(): { graph: Graph; hidden: string } {
  const b = new GraphBuilder();
  const x = b.input('x', f32, [2, 4]);
  b.input('unused', f32, [1]);
  const w = b.initializer('w', createTensor(f32, [4, 4], new Float32Array(16)));
  const v = b.initializer('v', createTensor(f32, [4, 4], new Float32Array(16)));
  b.initializer('orphan', createTensor(f32, [1], [0]));
  const hidden = b.relu(b.matMul(x, w));
  b.output(b.sigmoid(hidden), f32);
  b.output(b.tanh(b.matMul(hidden, v)), f32);
  b.exp(hidden); // dead: nothing reads it
  return { graph: b.buildGraph(), hidden };
}

describe('pruneDeadNodes', () => {
  it('drops nodes no output needs and unused initializers, keeping inputs by default', () => {
    const { graph } = twoHeads();
    const pruned = pruneDeadNodes(graph);
    expect(pruned.nodes.map((n) => n.opType)).toEqual(['MatMul', 'Relu', 'Sigmoid', 'MatMul', 'Tanh']);
    expect([...pruned.initializers.keys()]).toEqual(['w', 'v']);
    expect(pruned.inputs.map((i) => i.name)).toEqual(['x', 'unused']);
    expect(graph.nodes).toHaveLength(6);
    expect(graph.initializers.has('orphan')).toBe(true);
  });

  it('keeps only what the requested outputs need and can drop unused inputs', () => {
    const { graph, hidden } = twoHeads();
    const first = graph.outputs[0]!.name;
    const pruned = pruneDeadNodes(graph, [first, hidden], { removeUnusedInputs: true });
    expect(pruned.outputs.map((o) => o.name)).toEqual([first]);
    expect(pruned.nodes.map((n) => n.opType)).toEqual(['MatMul', 'Relu', 'Sigmoid']);
    expect([...pruned.initializers.keys()]).toEqual(['w']);
    expect(pruned.inputs.map((i) => i.name)).toEqual(['x']);
  });

  it('can keep unused initializers', () => {
    const { graph } = twoHeads();
    expect(pruneDeadNodes(graph, undefined, { removeUnusedInitializers: false }).initializers.size).toBe(3);
  });
});
