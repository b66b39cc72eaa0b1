/**
 * A tiny random BERT text benchmark for token-level strategies: token sequences whose ids depend
 * on the class, their mean-pooled L2-normalised features, labels, and the {@link TextInputs} over them.
 */
import type { Executor } from '@mneme/execution';
import { buildBertEmbeddings, buildBertEncoder, ENCODER_IO, randomBertWeights, type BertConfig } from '@mneme/models';
import { Rng } from '@mneme/random';
import { gatherRows, tensor } from '@mneme/tensor';
import type { LabelledBatch } from '../strategy.js';
import type { TextInputs } from './text-inputs.js';

/** A one-layer encoder, 16 wide. */
export const TINY: BertConfig = {
  vocabSize: 40,
  hiddenSize: 16,
  numHiddenLayers: 1,
  numAttentionHeads: 2,
  intermediateSize: 32,
  maxPositionEmbeddings: 64,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  hiddenAct: 'gelu',
};
export const SAMPLES = 24;
export const CLASSES = 4;

/** The benchmark on a random encoder of `config` (TINY by default): `samples` texts (the first {@link SAMPLES} the same whatever the count). */
export async function tinyText(
  executor: Executor,
  config: BertConfig = TINY,
  samples = SAMPLES,
): Promise<{ text: TextInputs; features: Float32Array; labels: Int32Array }> {
  const weights = randomBertWeights(config, 3);
  const embeddings = buildBertEmbeddings(config, weights);
  const encoder = buildBertEncoder(config, weights);
  const rng = Rng.seeded(5);
  const labels = Int32Array.from({ length: samples }, (_, i) => i % CLASSES);
  const tokens = [...labels].map((c) => [1, ...Array.from({ length: 3 + rng.int(4) }, () => 4 + c * 8 + rng.int(8)), 2]);
  const h = config.hiddenSize;
  const features = new Float32Array(samples * h);
  for (let i = 0; i < samples; i++) {
    const t = tokens[i]!;
    const ids = tensor('int64', [1, t.length], BigInt64Array.from(t, BigInt));
    const { [ENCODER_IO.inputsEmbeds]: e } = await executor.forward(embeddings, {
      [ENCODER_IO.inputIds]: ids,
      [ENCODER_IO.tokenTypeIds]: tensor('int64', [1, t.length], new BigInt64Array(t.length)),
    });
    const out = await executor.forward(encoder, {
      [ENCODER_IO.inputsEmbeds]: e!,
      [ENCODER_IO.attentionMask]: tensor('int64', [1, t.length], new BigInt64Array(t.length).fill(1n)),
    });
    const v = out[ENCODER_IO.meanPooled]!.data as Float32Array;
    const norm = Math.hypot(...v);
    v.forEach((x, d) => (features[i * h + d] = x / norm));
  }
  const key = (rows: Float32Array, r: number) => Array.from(rows.subarray(r * h, (r + 1) * h)).join();
  const byRow = new Map([...Array(samples).keys()].map((i) => [key(features, i), i]));
  const text: TextInputs = {
    embeddings,
    encoder,
    bert: { config, weights },
    pooled: ENCODER_IO.meanPooled,
    normalize: true,
    hiddenSize: h,
    padId: 0,
    tokensOfIds: (ids) => [...ids].map((id) => tokens[id]!),
    tokensOfFeatures: (rows) => Array.from({ length: rows.length / h }, (_, r) => tokens[byRow.get(key(rows, r))!]!),
  };
  return { text, features, labels };
}

/** The samples `ids` as one batch of experience `experience`. */
export function batchOf(features: Float32Array, labels: Int32Array, ids: readonly number[], experience = 0): LabelledBatch {
  const h = features.length / SAMPLES;
  return {
    features: gatherRows(features, h, ids),
    labels: Int32Array.from(ids, (id) => labels[id]!),
    ids: Int32Array.from(ids),
    experience,
  };
}
