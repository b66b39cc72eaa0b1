import { describe, expect, it } from 'vitest';
import { attrDType } from './attributes.js';
import { GraphBuilder } from './builder.js';
import { GraphError } from './errors.js';
import { decodeModel, encodeModel } from './model-codec.js';
import { isSupportedOp } from './op-rules.js';
import { inferShapes } from './shape-inference.js';
import { createTensor } from './tensor-value.js';
import { validateGraph } from './topology.js';

const f32 = 'float32';

function mlp(): GraphBuilder {
  const b = new GraphBuilder({ name: 'mlp' });
  const x = b.input('x', f32, ['batch', 4]);
  const w1 = b.initializer('w1', createTensor(f32, [4, 8], new Float32Array(32)));
  const b1 = b.initializer('b1', createTensor(f32, [8], new Float32Array(8)));
  const w2 = b.initializer('w2', createTensor(f32, [8, 3], new Float32Array(24)));
  const h = b.relu(b.add(b.matMul(x, w1), b1));
  const logits = b.gemm(h, w2, undefined, { transB: false, alpha: 2 });
  b.output(b.logSoftmax(logits), f32, ['batch', 3]);
  b.output(b.reduceMean(b.softmax(logits), [1], false), f32, ['batch']);
  return b;
}

describe('GraphBuilder', () => {
  it('builds a structurally valid opset-17 model that survives encoding', () => {
    const model = mlp().build();
    expect(model.opsetImports).toEqual([{ domain: '', version: 17 }]);
    expect(model.irVersion).toBeGreaterThanOrEqual(8);
    expect(validateGraph(model.graph)).toEqual([]);
    const nodeNames = model.graph.nodes.map((n) => n.name);
    expect(new Set(nodeNames).size).toBe(nodeNames.length);
    for (const n of model.graph.nodes) expect(isSupportedOp(n.opType, n.domain)).toBe(true);
    // ReduceMean takes axes as an attribute at opset 17.
    const reduce = model.graph.nodes.find((n) => n.opType === 'ReduceMean')!;
    expect(reduce.inputs).toHaveLength(1);
    expect(reduce.attributes['axes']).toEqual({ type: 'ints', value: [1] });
    expect(decodeModel(encodeModel(model))).toEqual(model);
    const types = inferShapes(model, { dims: { batch: 2 } });
    expect(model.graph.outputs.map((o) => types.get(o.name)!.shape)).toEqual([[2, 3], [2]]);
  });

  it('passes reduction axes as an input from opset 18', () => {
    const b = new GraphBuilder({ opset: 18 });
    b.output(b.reduceMax(b.input('x', f32, [2, 3]), [0]), f32);
    const node = b.build().graph.nodes.find((n) => n.opType === 'ReduceMax')!;
    expect(node.inputs).toHaveLength(2);
    expect(node.attributes['axes']).toBeUndefined();
  });

  it('returns one name for single-output ops and several for multi-output ops', () => {
    const b = new GraphBuilder();
    const x = b.input('x', f32, [6]);
    const parts = b.op('Split', [x], {}, { outputs: 3 });
    expect(parts).toEqual(['Split_out0', 'Split_out1', 'Split_out2']);
    const named = b.op('Split', [x], {}, { outputs: ['left', 'right'], name: 'halves' });
    expect(named).toEqual(['left', 'right']);
    expect(b.current.nodes.map((n) => n.name)).toEqual(['Split', 'halves']);
  });

  it('makes fresh names that never clash, with an optional prefix', () => {
    const b = new GraphBuilder({ namePrefix: 'grad/' });
    b.input('grad/Relu_out', f32, [2]);
    const first = b.relu('grad/Relu_out');
    const second = b.relu(first);
    expect(new Set(['grad/Relu_out', first, second]).size).toBe(3);
    expect(first.startsWith('grad/')).toBe(true);
    expect(b.freshName('t')).toBe('grad/t');
    expect(b.freshName('t')).toBe('grad/t_1');
  });

  it('rejects unknown inputs, duplicate names and opsets below 17', () => {
    const b = new GraphBuilder();
    const x = b.input('x', f32, [2]);
    expect(() => b.relu('nope')).toThrow(/Relu input 'nope' is not a value of the graph/);
    expect(() => b.input('x', f32, [2])).toThrow(/clashes with an existing value/);
    expect(() => b.output('missing', f32)).toThrow(GraphError);
    b.relu(x);
    expect(() => b.op('Relu', [x], {}, { name: 'Relu' })).toThrow(/Node name 'Relu' is already used/);
    expect(() => new GraphBuilder({ opset: 13 })).toThrow(/Opset 13 is not supported/);
  });

  it('extends an existing model without touching it, keeping its opset', () => {
    const forward = mlp().build();
    const before = structuredClone(forward.graph.nodes);
    const b = GraphBuilder.from(forward, { namePrefix: 'grad/' });
    expect(b.opset).toBe(17);
    const loss = b.reduceSum(forward.graph.outputs[0]!.name, undefined, false);
    b.output(loss, f32, []);
    const extended = b.build();
    expect(forward.graph.nodes).toEqual(before);
    expect(extended.graph.nodes.length).toBe(forward.graph.nodes.length + 1);
    expect(validateGraph(extended.graph)).toEqual([]);
    expect(inferShapes(extended, { dims: { batch: 5 } }).get(loss)).toEqual({ dtype: f32, shape: [] });
    expect(() => GraphBuilder.from(forward, { opset: 18 })).toThrow(/Cannot change the opset/);
  });

  it('extends in place when asked', () => {
    const forward = mlp().build();
    const count = forward.graph.nodes.length;
    const b = GraphBuilder.from(forward, { inPlace: true });
    b.neg(forward.graph.outputs[0]!.name);
    expect(forward.graph.nodes.length).toBe(count + 1);
  });

  it('emits typed helpers as the expected ONNX nodes', () => {
    const b = new GraphBuilder();
    const x = b.input('x', f32, [2, 3, 4]);
    const y = b.cast(b.slice(b.transpose(b.reshape(x, [2, 12]), [1, 0]), [0], [-1], [0], [2]), 'float64');
    const g = b.buildGraph();
    expect(g.nodes.map((n) => n.opType)).toEqual([
      'Constant',
      'Reshape',
      'Transpose',
      'Constant',
      'Constant',
      'Constant',
      'Constant',
      'Slice',
      'Cast',
    ]);
    expect(attrDType(g.nodes.at(-1)!, 'to')).toBe('float64');
    expect(inferShapes(g).get(y)).toEqual({ dtype: 'float64', shape: [6, 2] });
  });
});
