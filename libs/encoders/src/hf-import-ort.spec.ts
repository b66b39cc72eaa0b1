// The importer, end to end on ONNX Runtime: random weights → HF safetensors bytes → import → the
// same outputs as the graphs built from the original weights. (In tools: core libs may not import
// the engine.)
import { createExecutor, Engine } from '@mneme/engine';
import { type Executor } from '@mneme/execution';
import { type Model } from '@mneme/graph';
import {
  bertParameterShapes,
  bertWeightsToSafetensors,
  buildBertEmbeddings,
  buildBertEncoder,
  buildBertGraphs,
  ENCODER_IO,
  filled,
  importHfBert,
  type BertConfig,
  type BertWeights,
} from '@mneme/models';
import { Rng } from '@mneme/random';
import { tensor, type Tensor } from '@mneme/tensor';
import { beforeAll, describe, expect, it } from 'vitest';

const CONFIG: BertConfig = {
  vocabSize: 20,
  hiddenSize: 16,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  intermediateSize: 32,
  maxPositionEmbeddings: 12,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  hiddenAct: 'gelu',
};
const HF_CONFIG = {
  model_type: 'bert',
  vocab_size: 20,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 32,
  max_position_embeddings: 12,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  hidden_act: 'gelu',
};
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...Array.from({ length: 15 }, (_, i) => `t${i}`)];

function randomWeights(seed: number): BertWeights {
  const rng = Rng.seeded(seed);
  return new Map([...bertParameterShapes(CONFIG)].map(([name, shape]) => [name, filled(shape, () => rng.normal(0, 0.3))]));
}

async function run(
  executor: Executor,
  embeddingsModel: Model,
  encoderModel: Model,
  ids: bigint[],
  mask: bigint[],
  types: bigint[],
  shape: number[],
): Promise<Record<string, Tensor>> {
  const emb = await executor.forward(embeddingsModel, {
    [ENCODER_IO.inputIds]: tensor('int64', shape, BigInt64Array.from(ids)),
    [ENCODER_IO.tokenTypeIds]: tensor('int64', shape, BigInt64Array.from(types)),
  });
  const out = await executor.forward(encoderModel, {
    [ENCODER_IO.inputsEmbeds]: emb[ENCODER_IO.inputsEmbeds]!,
    [ENCODER_IO.attentionMask]: tensor('int64', shape, BigInt64Array.from(mask)),
  });
  return { ...emb, ...out };
}

describe('HF import on ONNX Runtime', () => {
  let executor: Executor;
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 2 }));
  });

  it('gives the same embeddings, hidden states, CLS and mean pooling as the original weights', async () => {
    const original = randomWeights(7);
    const imported = importHfBert({
      config: HF_CONFIG,
      safetensors: bertWeightsToSafetensors(original, {
        prefix: 'bert.',
        extra: new Map([['bert.pooler.dense.weight', { shape: [16, 16], data: new Float32Array(256) }]]),
      }),
      vocabText: VOCAB.join('\n'),
    });
    const graphs = buildBertGraphs(imported.config, imported.weights);
    const [embeddingsRef, encoderRef] = [buildBertEmbeddings(CONFIG, original), buildBertEncoder(CONFIG, original)];
    // Two rows, the second padded: padding must not change its pooled output.
    const shape = [2, 5];
    const ids = [2n, 7n, 9n, 11n, 3n, 2n, 5n, 3n, 0n, 0n];
    const mask = [1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n, 0n];
    const types = [0n, 0n, 0n, 1n, 1n, 0n, 0n, 0n, 0n, 0n];
    const got = await run(executor, graphs.embeddings, graphs.encoder, ids, mask, types, shape);
    const want = await run(executor, embeddingsRef, encoderRef, ids, mask, types, shape);
    for (const name of [ENCODER_IO.inputsEmbeds, ENCODER_IO.lastHiddenState, ENCODER_IO.cls, ENCODER_IO.meanPooled]) {
      expect(got[name]!.shape, name).toEqual(want[name]!.shape);
      expect([...(got[name]!.data as Float32Array)], name).toEqual([...(want[name]!.data as Float32Array)]);
    }
    // Non-trivial outputs: the mean pool of row 2 equals the same row run alone, unpadded.
    const alone = await run(executor, graphs.embeddings, graphs.encoder, [2n, 5n, 3n], [1n, 1n, 1n], [0n, 0n, 0n], [1, 3]);
    const padded = (got[ENCODER_IO.meanPooled]!.data as Float32Array).slice(16, 32);
    const single = alone[ENCODER_IO.meanPooled]!.data as Float32Array;
    for (let i = 0; i < 16; i++) expect(padded[i]).toBeCloseTo(single[i]!, 5);
    expect(Math.max(...padded.map(Math.abs))).toBeGreaterThan(0.01);
  });
});
