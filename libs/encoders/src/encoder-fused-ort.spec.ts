// The forward-only encoder (ONNX Runtime's fused contrib kernels) against the standard-op encoder
// on ONNX Runtime: every fusion choice gives the same outputs, padding stays masked out, and shape
// inference types the fused graph. (Here, not in libs/models: core libs may not import the engine.)
import { createExecutor, Engine } from '@mneme/engine';
import { type Executor } from '@mneme/execution';
import { estimateFlops, inferShapes, type Model } from '@mneme/graph';
import {
  bertParameterShapes,
  buildBertEncoder,
  buildBertEncoderFused,
  ENCODER_IO,
  filled,
  type BertConfig,
  type BertFusions,
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

function randomWeights(seed: number): BertWeights {
  const rng = Rng.seeded(seed);
  // Large weights and biases so attention is far from uniform and every bias matters.
  return new Map([...bertParameterShapes(CONFIG)].map(([name, shape]) => [name, filled(shape, () => rng.normal(0, 0.5))]));
}

function feeds(rows: number, seq: number, lengths: number[], seed: number): Record<string, Tensor> {
  const rng = Rng.seeded(seed);
  const embeds = Float32Array.from({ length: rows * seq * CONFIG.hiddenSize }, () => rng.normal(0, 1));
  const mask = BigInt64Array.from({ length: rows * seq }, (_, i) => (i % seq < lengths[Math.floor(i / seq)]! ? 1n : 0n));
  return {
    [ENCODER_IO.inputsEmbeds]: tensor('float32', [rows, seq, CONFIG.hiddenSize], embeds),
    [ENCODER_IO.attentionMask]: tensor('int64', [rows, seq], mask),
  };
}

const CHOICES: BertFusions[] = [
  {},
  { attention: 'multi-head' },
  { attention: 'none', biasGelu: true, skipLayerNorm: false },
  { attention: 'attention', biasGelu: false, skipLayerNorm: true },
];

describe('fused forward-only BERT encoder on ONNX Runtime', () => {
  let executor: Executor;
  const weights = randomWeights(3);
  const reference = buildBertEncoder(CONFIG, weights);
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1 }));
  });

  it.each(CHOICES)('matches the standard-op encoder with fusions %o', async (fusions) => {
    const fused: Model = buildBertEncoderFused(CONFIG, weights, { fusions });
    const input = feeds(3, 6, [6, 4, 1], 11);
    const [got, want] = [await executor.forward(fused, input), await executor.forward(reference, input)];
    for (const name of [ENCODER_IO.cls, ENCODER_IO.meanPooled]) {
      const [g, w] = [got[name]!.data as Float32Array, want[name]!.data as Float32Array];
      expect(got[name]!.shape, name).toEqual(want[name]!.shape);
      for (let i = 0; i < w.length; i++) expect(g[i], `${name}[${i}]`).toBeCloseTo(w[i]!, 4);
    }
    expect(Math.max(...(want[ENCODER_IO.meanPooled]!.data as Float32Array).map(Math.abs))).toBeGreaterThan(0.1);
  });

  it('masks padding out: a padded row pools as the same row alone', async () => {
    const fused = buildBertEncoderFused(CONFIG, weights);
    const padded = feeds(2, 5, [5, 3], 5);
    const single = feeds(1, 3, [3], 5);
    // Row 2 of `padded` with its first three tokens = the single row.
    const data = padded[ENCODER_IO.inputsEmbeds]!.data as Float32Array;
    (single[ENCODER_IO.inputsEmbeds]!.data as Float32Array).set(data.subarray(5 * 16, 8 * 16));
    const a = (await executor.forward(fused, padded))[ENCODER_IO.meanPooled]!.data as Float32Array;
    const b = (await executor.forward(fused, single))[ENCODER_IO.meanPooled]!.data as Float32Array;
    for (let i = 0; i < 16; i++) expect(a[16 + i]).toBeCloseTo(b[i]!, 5);
  });

  it('is typed by shape inference with the contrib ops imported', () => {
    const fused = buildBertEncoderFused(CONFIG, weights, { batch: 2, sequence: 7 });
    expect(fused.opsetImports).toContainEqual({ domain: 'com.microsoft', version: 1 });
    const types = inferShapes(fused);
    expect(types.get(ENCODER_IO.lastHiddenState)?.shape).toEqual([2, 7, 16]);
    // The fused kernels do the same products: FLOP estimates (thread-pool sizing) agree.
    expect(estimateFlops(fused)).toBe(estimateFlops(buildBertEncoder(CONFIG, weights, { batch: 2, sequence: 7 })));
    expect(fused.graph.nodes.filter((n) => n.domain === 'com.microsoft').map((n) => n.opType)).toEqual(
      expect.arrayContaining(['Attention', 'BiasGelu', 'SkipLayerNormalization']),
    );
  });
});
