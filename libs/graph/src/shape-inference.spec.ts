import { describe, expect, it } from 'vitest';
import { Attr } from './attributes.js';
import { GraphBuilder } from './builder.js';
import { ShapeInferenceError, UnsupportedOpError } from './errors.js';
import { createGraph, type Model } from './ir.js';
import { inferShapes } from './shape-inference.js';
import { createTensor } from './tensor-value.js';

const f32 = 'float32';
const i64 = 'int64';

/**
 * The shape plumbing of a PyTorch-exported BERT layer: position ids from Range/Expand, the extended
 * attention mask from Unsqueeze/Cast/Sub/Mul, and transpose_for_scores' Shape → Gather → Unsqueeze →
 * Concat → Reshape, all on symbolic batch and sequence dims.
 */
function bertLikeModel(): { model: Model; scores: string; context: string } {
  const hidden = 8;
  const heads = 2;
  const b = new GraphBuilder();
  const ids = b.input('input_ids', i64, ['batch', 'sequence']);
  const mask = b.input('attention_mask', i64, ['batch', 'sequence']);
  const table = b.initializer('embeddings', createTensor(f32, [30, hidden], new Float32Array(30 * hidden)));
  const positions = b.initializer('position_embeddings', createTensor(f32, [16, hidden], new Float32Array(16 * hidden)));
  const wq = b.initializer('wq', createTensor(f32, [hidden, hidden], new Float32Array(hidden * hidden)));
  const x = b.gather(table, ids);
  const idsShape = b.shape(ids);
  const seq = b.gather(idsShape, b.scalar(1, i64));
  const posIds = b.unsqueeze(b.op('Range', [b.scalar(0, i64), seq, b.scalar(1, i64)]), [0]);
  const posExpanded = b.expand(posIds, idsShape);
  const h = b.op(
    'LayerNormalization',
    [b.add(x, b.gather(positions, posExpanded)), b.initializer('ln_s', createTensor(f32, [hidden], new Float32Array(hidden)))],
    {
      epsilon: Attr.float(1e-12),
    },
  );
  const extended = b.mul(b.sub(b.scalar(1), b.cast(b.unsqueeze(mask, [1, 2]), f32)), b.scalar(-10000));
  const q = b.matMul(h, wq);
  const qShape = b.shape(q);
  const d0 = b.unsqueeze(b.gather(qShape, b.scalar(0, i64)), [0]);
  const d1 = b.unsqueeze(b.gather(qShape, b.scalar(1, i64)), [0]);
  const split = b.reshape(q, b.concat([d0, d1, b.ints([heads]), b.ints([hidden / heads])], 0));
  const qh = b.transpose(split, [0, 2, 1, 3]);
  const kh = b.transpose(split, [0, 2, 3, 1]);
  const scores = b.add(b.div(b.matMul(qh, kh), b.sqrt(b.cast(b.gather(b.shape(qh), b.scalar(3, i64)), f32))), extended);
  const probs = b.softmax(scores);
  const ctx = b.transpose(b.matMul(probs, qh), [0, 2, 1, 3]);
  const merged = b.reshape(ctx, b.concat([b.slice(b.shape(ctx), [0], [2]), b.ints([-1])], 0));
  b.output(merged, f32, ['batch', 'sequence', hidden]);
  return { model: b.build(), scores, context: merged };
}

describe('inferShapes', () => {
  it('infers fully static shapes through BERT-style shape chains after substituting symbolic dims', () => {
    const { model, scores, context } = bertLikeModel();
    const types = inferShapes(model, { dims: { batch: 3, sequence: 5 } });
    expect(types.get(scores)).toEqual({ dtype: f32, shape: [3, 2, 5, 5] });
    expect(types.get(context)).toEqual({ dtype: f32, shape: [3, 5, 8] });
    const values = new Set([
      ...model.graph.inputs.map((v) => v.name),
      ...model.graph.initializers.keys(),
      ...model.graph.nodes.flatMap((n) => n.outputs),
    ]);
    expect(new Set(types.keys())).toEqual(values);
    for (const t of types.values()) expect(t.shape.every((d) => Number.isInteger(d) && d >= 0)).toBe(true);
  });

  it('lists every missing symbolic dim at once and rejects unnamed dynamic dims', () => {
    const { model } = bertLikeModel();
    expect(() => inferShapes(model)).toThrow(/'batch'.*'sequence'/);
    const b = new GraphBuilder();
    b.output(b.relu(b.input('x', f32, ['', 3])), f32);
    expect(() => inferShapes(b.build())).toThrow(/unnamed dynamic dim at position 0/);
  });

  it('fails early with UnsupportedOpError naming the op and node, before any shape error', () => {
    const b = new GraphBuilder();
    const x = b.input('x', f32, [2, 3]);
    b.op('Add', [x, b.input('y', f32, [4])], {}, { name: 'broken_add' });
    b.op('NonZero', [x], {}, { name: 'the_nonzero' });
    const error = (() => {
      try {
        inferShapes(b.build());
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UnsupportedOpError);
    expect(error).toMatchObject({ opType: 'NonZero', nodeName: 'the_nonzero' });
    expect(String(error)).toMatch(/NonZero.*the_nonzero/);
  });

  it('treats ops of other domains as unsupported', () => {
    const b = new GraphBuilder();
    b.op('Gelu', [b.input('x', f32, [2])], {}, { domain: 'com.microsoft', name: 'ms_gelu' });
    expect(() => inferShapes(b.build())).toThrow(/com\.microsoft::Gelu.*ms_gelu/);
  });

  it('uses the model opset to decide how reductions take axes', () => {
    const make = (opset: number): Model => {
      const b = new GraphBuilder({ opset });
      b.output(b.op('ReduceMean', [b.input('x', f32, [2, 3]), b.ints([1])]), f32);
      return b.build();
    };
    expect(inferShapes(make(18)).get('ReduceMean_out')).toEqual({ dtype: f32, shape: [2, 1] });
    expect(() => inferShapes(make(17))).toThrow(ShapeInferenceError);
  });

  it('checks declared graph outputs against what the graph computes', () => {
    const b = new GraphBuilder();
    const y = b.relu(b.input('x', f32, ['n', 3]));
    b.output(y, 'float64', ['n', 4]);
    expect(() => inferShapes(b.build(), { dims: { n: 2 } })).toThrow(
      /declared float64 but computes float32.*declared \[n, 4\] but computes \[2, 3\]/,
    );
  });

  it('does not fold an initializer that a graph input can override', () => {
    const g = createGraph();
    g.inputs.push({ name: 'x', dtype: f32, shape: [6] }, { name: 'target_shape', dtype: i64, shape: [2] });
    g.initializers.set('target_shape', createTensor(i64, [2], [3, 2]));
    g.nodes.push({ name: 'r', opType: 'Reshape', domain: '', inputs: ['x', 'target_shape'], outputs: ['y'], attributes: {} });
    expect(() => inferShapes(g)).toThrow(/Reshape node 'r': the shape input \('target_shape'\) must be statically known/);
    g.inputs.pop();
    expect(inferShapes(g).get('y')).toEqual({ dtype: f32, shape: [3, 2] });
  });

  it('rejects models below opset 17', () => {
    const b = new GraphBuilder();
    b.output(b.relu(b.input('x', f32, [1])), f32);
    const model = b.build();
    model.opsetImports = [{ domain: '', version: 13 }];
    expect(() => inferShapes(model)).toThrow(/Opset 13 is not supported/);
  });
});
