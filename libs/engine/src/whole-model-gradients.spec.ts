/**
 * Gradients of whole models (MLP, small CNN, a 2-layer BERT-shaped encoder) and a second-order
 * gradient, against finite differences on ONNX Runtime.
 */
import { type DType, type Tensor } from '@mneme/tensor';
import { appendGradients } from '@mneme/autodiff';
import { createTensor, GraphBuilder, specializeModel as specialize, type Model } from '@mneme/graph';
import {
  buildBertEncoder,
  buildCnn,
  buildConvNet,
  buildMlp,
  ENCODER_IO,
  PREFIX_IO,
  randomBertWeights,
  withCrossEntropyLoss,
  type BertConfig,
} from '@mneme/models';
import { Rng } from '@mneme/random';
import { describe, expect, it } from 'vitest';
import { checkGradients, toFloat64 } from './gradcheck.js';

const rand = (rng: Rng, dims: number[], dtype: DType = 'float64', lo = -1, hi = 1): Tensor =>
  createTensor(
    dtype,
    dims,
    Array.from({ length: dims.reduce((p, d) => p * d, 1) }, () => rng.uniform(lo, hi)),
  );

/** Adds `objective = Σ value ⊙ R` for a fixed random R, as the scalar to differentiate. */
function projectTo(model: Model, value: string, dims: number[], seed: number): Model {
  const b = GraphBuilder.from(model);
  const r = b.constant(rand(Rng.seeded(seed), dims));
  const objective = b.op('ReduceSum', [b.mul(value, r)], { keepdims: { type: 'int', value: 0 } }, { outputs: ['objective'] })[0]!;
  b.output(objective, 'float64', []);
  const built = b.build();
  return { ...built, graph: { ...built.graph, outputs: built.graph.outputs.filter((o) => o.name === 'objective') } };
}

describe('whole-model gradients', () => {
  it('MLP: cross-entropy gradient wrt every weight and the input', async () => {
    const model = toFloat64(specialize(withCrossEntropyLoss(buildMlp({ sizes: [6, 5, 4, 3], seed: 1 })), { batch: 4 }));
    const rng = Rng.seeded(2);
    const feeds = { x: rand(rng, [4, 6]), labels: createTensor('int64', [4], [0, 2, 1, 2]) };
    const result = await checkGradients(model, {
      loss: 'loss',
      wrt: ['fc0.weight', 'fc0.bias', 'fc1.weight', 'fc2.weight', 'fc2.bias', 'x'],
      feeds,
    });
    expect(result.worst).toBeLessThan(1e-6);
  });

  it('small CNN: gradient wrt conv and dense weights', async () => {
    const cnn = withCrossEntropyLoss(buildCnn({ input: [1, 8, 8], classes: 3, channels: [2, 3], hidden: 5, seed: 3 }));
    const model = specialize(cnn, { batch: 2 });
    const rng = Rng.seeded(4);
    const feeds = { x: rand(rng, [2, 1, 8, 8], 'float32'), labels: createTensor('int64', [2], [1, 2]) };
    // ORT's CPU Conv runs in float32 only: float32 differences, stated tolerance.
    const result = await checkGradients(model, {
      loss: 'loss',
      wrt: ['conv0.weight', 'conv1.weight', 'conv1.bias', 'fc0.weight', 'x'],
      feeds,
      eps: 1e-2,
    });
    expect(result.worst).toBeLessThan(2e-2);
  });

  const tinyBert: BertConfig = {
    vocabSize: 11,
    hiddenSize: 8,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    intermediateSize: 16,
    maxPositionEmbeddings: 8,
    typeVocabSize: 2,
    layerNormEps: 1e-12,
    hiddenAct: 'gelu',
  };

  it('2-layer BERT-shaped encoder: gradient wrt input embeddings and selected weights', async () => {
    const encoder = specialize(buildBertEncoder(tinyBert, randomBertWeights(tinyBert, 5)), { batch: 2, sequence: 4 });
    const model = projectTo(toFloat64(encoder, ['Erf']), ENCODER_IO.meanPooled, [2, 8], 6);
    const rng = Rng.seeded(7);
    const feeds = {
      [ENCODER_IO.inputsEmbeds]: rand(rng, [2, 4, 8]),
      [ENCODER_IO.attentionMask]: createTensor('int64', [2, 4], [1, 1, 1, 0, 1, 1, 0, 0]),
    };
    const result = await checkGradients(model, {
      loss: 'objective',
      wrt: [
        ENCODER_IO.inputsEmbeds,
        'encoder.layer.0.attention.self.query.weight',
        'encoder.layer.1.intermediate.dense.weight',
        'encoder.layer.1.output.LayerNorm.weight',
      ],
      feeds,
      probes: 12,
      eps: 1e-3,
    });
    // ORT's CPU provider has no double Erf: it runs in float32 between casts, whose rounding
    // (~6e-8 relative) bounds the finite-difference accuracy at eps 1e-3 to about 1e-4.
    expect(result.worst).toBeLessThan(1e-3);
  });

  it('prefix-tuned slice of a BERT-shaped encoder: gradient wrt the prefix keys and values and the hidden states', async () => {
    const slice = buildBertEncoder(tinyBert, randomBertWeights(tinyBert, 8), { layers: [1, 2], prefix: [{ layer: 1, length: 3 }] });
    const model = projectTo(toFloat64(specialize(slice, { batch: 2, sequence: 4 }), ['Erf']), ENCODER_IO.meanPooled, [2, 8], 9);
    const rng = Rng.seeded(10);
    const feeds = {
      [ENCODER_IO.hiddenStates]: rand(rng, [2, 4, 8]),
      [ENCODER_IO.attentionMask]: createTensor('int64', [2, 4], [1, 1, 0, 0, 1, 1, 1, 1]),
      [PREFIX_IO.key(1)]: rand(rng, [2, 3, 8]),
      [PREFIX_IO.value(1)]: rand(rng, [2, 3, 8]),
    };
    const result = await checkGradients(model, {
      loss: 'objective',
      wrt: [PREFIX_IO.key(1), PREFIX_IO.value(1), ENCODER_IO.hiddenStates],
      feeds,
      probes: 12,
      eps: 1e-3,
    });
    // Same float32 Erf bound as above.
    expect(result.worst).toBeLessThan(1e-3);
  });

  it('second order: d/dx of Σ (dL/dW ⊙ R) through an MLP (the distillation inner step)', async () => {
    const mlp = toFloat64(specialize(withCrossEntropyLoss(buildMlp({ sizes: [4, 5, 3], seed: 8, init: 'xavier' })), { batch: 3 }));
    const b = GraphBuilder.from(mlp);
    const grads = appendGradients(b, { loss: 'loss', wrt: ['fc0.weight'] });
    const r = b.constant(rand(Rng.seeded(9), [4, 5]));
    const objective = b.op(
      'ReduceSum',
      [b.mul(grads.get('fc0.weight')!, r)],
      { keepdims: { type: 'int', value: 0 } },
      { outputs: ['objective'] },
    )[0]!;
    b.output(objective, 'float64', []);
    const built = b.build();
    const model = { ...built, graph: { ...built.graph, outputs: built.graph.outputs.filter((o) => o.name === 'objective') } };
    const feeds = { x: rand(Rng.seeded(10), [3, 4]), labels: createTensor('int64', [3], [2, 0, 1]) };
    const result = await checkGradients(model, { loss: 'objective', wrt: ['x', 'fc1.weight'], feeds });
    expect(result.worst).toBeLessThan(1e-6);
  });

  it('ConvNet with instance norm: gradient wrt conv, norm and dense weights and the input', async () => {
    const net = withCrossEntropyLoss(buildConvNet({ input: [1, 8, 8], classes: 3, width: 3, depth: 2, seed: 11 }));
    // Conv and AveragePool have no double CPU kernels: they run in float32 between casts, the
    // instance norm (the new part) in float64.
    const model = toFloat64(specialize(net, { batch: 2 }), ['Conv', 'AveragePool']);
    const feeds = { x: rand(Rng.seeded(12), [2, 1, 8, 8]), labels: createTensor('int64', [2], [0, 2]) };
    const result = await checkGradients(model, {
      loss: 'loss',
      wrt: ['block0.conv.weight', 'block0.norm.scale', 'block1.norm.shift', 'fc.weight', 'x'],
      feeds,
      eps: 1e-3,
    });
    expect(result.worst).toBeLessThan(1e-3);
  });

  it('second order through the ConvNet: d/dx of Σ (dL/dW ⊙ R) (gradient matching differentiates this)', async () => {
    const net = toFloat64(
      specialize(withCrossEntropyLoss(buildConvNet({ input: [1, 4, 4], classes: 2, width: 2, depth: 1, seed: 13 })), { batch: 2 }),
      ['Conv', 'ConvTranspose', 'AveragePool'],
    );
    const b = GraphBuilder.from(net);
    const grads = appendGradients(b, { loss: 'loss', wrt: ['block0.conv.weight'] });
    const r = b.constant(rand(Rng.seeded(14), [2, 1, 3, 3]));
    const objective = b.op(
      'ReduceSum',
      [b.mul(grads.get('block0.conv.weight')!, r)],
      { keepdims: { type: 'int', value: 0 } },
      { outputs: ['objective'] },
    )[0]!;
    b.output(objective, 'float64', []);
    const built = b.build();
    const model = { ...built, graph: { ...built.graph, outputs: built.graph.outputs.filter((o) => o.name === 'objective') } };
    const feeds = { x: rand(Rng.seeded(15), [2, 1, 4, 4]), labels: createTensor('int64', [2], [1, 0]) };
    const result = await checkGradients(model, { loss: 'objective', wrt: ['x', 'fc.weight'], feeds, eps: 1e-3 });
    expect(result.worst).toBeLessThan(1e-3);
  });
});
