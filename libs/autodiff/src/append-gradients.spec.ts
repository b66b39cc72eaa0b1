import { createTensor, GraphBuilder, specializeModel, type Model } from '@mneme/graph';
import { buildBertEncoder, buildMlp, ENCODER_IO, randomBertWeights, withCrossEntropyLoss, type BertConfig } from '@mneme/models';
import { describe, expect, it } from 'vitest';
import {
  appendGradients,
  GRADIENT_RULES,
  gradientGraph,
  GradientError,
  MissingGradientRuleError,
  NON_DIFFERENTIABLE_OPS,
} from './index.js';

const mlp = () => specializeModel(withCrossEntropyLoss(buildMlp({ sizes: [6, 5, 4, 3], seed: 1 })), { batch: 4 });

/** Every value name a node reads. */
const readers = (model: Model) => new Set(model.graph.nodes.flatMap((n) => n.inputs));

describe('appendGradients', () => {
  it('emits no work for frozen weights: only the last layer gets a gradient', () => {
    const forward = mlp();
    const backwardOf = (wrt: string[]) => {
      const b = GraphBuilder.from(forward);
      appendGradients(b, { loss: 'loss', wrt });
      return b.current.nodes.slice(forward.graph.nodes.length);
    };
    const lastOnly = backwardOf(['fc2.weight', 'fc2.bias']);
    // dW2 = h1ᵀ·dy is one GEMM; nothing propagates into the frozen layers, so no weight is read.
    expect(lastOnly.filter((n) => n.opType === 'Gemm')).toHaveLength(1);
    expect(lastOnly.flatMap((n) => n.inputs).filter((i) => /^fc\d\.weight$/.test(i))).toEqual([]);
    // Asking for the first layer propagates through every layer instead.
    const firstToo = backwardOf(['fc0.weight']);
    expect(firstToo.flatMap((n) => n.inputs)).toEqual(expect.arrayContaining(['fc2.weight', 'fc1.weight']));
  });

  it('differentiates a frozen encoder with respect to its input embeddings only', () => {
    const tiny: BertConfig = {
      vocabSize: 9,
      hiddenSize: 8,
      numHiddenLayers: 2,
      numAttentionHeads: 2,
      intermediateSize: 16,
      maxPositionEmbeddings: 8,
      typeVocabSize: 2,
      layerNormEps: 1e-12,
      hiddenAct: 'gelu',
    };
    const encoder = specializeModel(buildBertEncoder(tiny, randomBertWeights(tiny, 1)), { batch: 2, sequence: 3 });
    const b = GraphBuilder.from(encoder);
    const loss = b.reduceSum(ENCODER_IO.meanPooled, undefined, false);
    const grads = appendGradients(b, { loss, wrt: [ENCODER_IO.inputsEmbeds] });
    const graph = b.buildGraph();
    const weightNames = [...graph.initializers.keys()].filter((n) => n.startsWith('encoder.'));
    // Weight gradients would need MatMul(activationᵀ, dy) or Gemm(transA) against activations; none
    // of the backward nodes produces a tensor of a weight's shape from a weight-gradient path.
    const gradNodes = graph.nodes.slice(encoder.graph.nodes.length);
    expect(gradNodes.some((n) => n.opType === 'Gemm')).toBe(false);
    expect(grads.get(ENCODER_IO.inputsEmbeds)).toBeDefined();
    // Weights are read by the backward pass only as operands (dx = dy · Wᵀ), never produced.
    expect(gradNodes.flatMap((n) => n.outputs).some((o) => weightNames.some((w) => o.includes(w)))).toBe(false);
    // The attention mask's integer sub-graph passes through undifferentiated.
    expect(gradNodes.some((n) => n.inputs.includes(ENCODER_IO.attentionMask))).toBe(false);
  });

  it('gives zeros for values the loss does not depend on', () => {
    const b = GraphBuilder.from(mlp());
    const unused = b.input('unused', 'float32', [2]);
    const grads = appendGradients(b, { loss: 'loss', wrt: [unused] });
    const node = b.current.nodes.find((n) => n.outputs.includes(grads.get(unused)!));
    expect(node?.opType).toBe('ConstantOfShape');
  });

  it('rejects a non-scalar loss, unknown values and integer values with clear errors', () => {
    expect(() => appendGradients(GraphBuilder.from(mlp()), { loss: 'sample_loss', wrt: ['fc0.weight'] })).toThrow(
      /must be a scalar, got shape \[4\]/,
    );
    expect(() => appendGradients(GraphBuilder.from(mlp()), { loss: 'loss', wrt: ['nope'] })).toThrow(GradientError);
    expect(() => appendGradients(GraphBuilder.from(mlp()), { loss: 'loss', wrt: ['labels'] })).toThrow(/not a floating-point value/);
  });

  it('names the op and node when a rule is missing, before emitting anything', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [3]);
    const y = b.op('Einsum', [x, x], { equation: { type: 'string', value: 'i,i->' } });
    b.output(y, 'float32', []);
    const builder = GraphBuilder.from(b.build());
    expect(() => appendGradients(builder, { loss: y, wrt: [x] })).toThrow(MissingGradientRuleError);
    expect(() => appendGradients(GraphBuilder.from(b.build()), { loss: y, wrt: [x] })).toThrow(/Einsum.*Einsum/);
  });

  it('supports vector-Jacobian products with supplied cotangents', () => {
    const b = GraphBuilder.from(mlp());
    const cot = b.input('logits_cotangent', 'float32', [4, 3]);
    const grads = appendGradients(b, { cotangents: new Map([['logits', cot]]), wrt: ['fc0.bias'] });
    expect(grads.get('fc0.bias')).toBeDefined();
    expect(() => appendGradients(GraphBuilder.from(mlp()), { cotangents: new Map([['logits', 'x']]), wrt: ['fc0.bias'] })).toThrow(
      /must have its type/,
    );
  });

  it('closes under differentiation: every op a rule can emit has a rule or is non-differentiable', () => {
    const emitted = [
      'Add',
      'Sub',
      'Mul',
      'Div',
      'Neg',
      'Pow',
      'Log',
      'Exp',
      'Sqrt',
      'Reciprocal',
      'Sum',
      'Where',
      'Cast',
      'Greater',
      'Less',
      'Equal',
      'Not',
      'Sign',
      'Erf',
      'Tanh',
      'MatMul',
      'Gemm',
      'Transpose',
      'Reshape',
      'Unsqueeze',
      'Expand',
      'ReduceSum',
      'ReduceMean',
      'Softmax',
      'Slice',
      'Pad',
      'Concat',
      'ScatterElements',
      'ScatterND',
      'GatherElements',
      'GatherND',
      'Conv',
      'ConvTranspose',
      'MaxPool',
      'Constant',
      'ConstantOfShape',
      'Gather',
      'Identity',
    ];
    const open = emitted.filter((op) => GRADIENT_RULES[op] === undefined && !NON_DIFFERENTIABLE_OPS.has(op));
    expect(open).toEqual([]);
  });

  it('keeps small constants typed as their values', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float64', [2]);
    const y = b.reduceSum(b.mul(x, b.constant(createTensor('float64', [2], [3, 4]))), undefined, false);
    b.output(y, 'float64', []);
    const { model } = gradientGraph(b.build(), { loss: y, wrt: [x] });
    expect(model.graph.outputs.map((o) => o.name)).toEqual([y, 'grad/x']);
    expect(readers(model).has(x)).toBe(true);
  });
});
