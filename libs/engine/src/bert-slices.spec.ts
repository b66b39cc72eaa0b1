/**
 * Slices and prefixes of the BERT encoder graph, on ONNX Runtime: the slices compose to the whole
 * encoder, and a prefix is what attention would see from extra tokens' keys and values.
 */
import { buildBertEncoder, ENCODER_IO, PREFIX_IO, randomBertWeights, type BertConfig } from '@mneme/models';
import { Rng } from '@mneme/random';
import { tensor, type Tensor } from '@mneme/tensor';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { forward } from './forward.js';

const CONFIG: BertConfig = {
  vocabSize: 11,
  hiddenSize: 8,
  numHiddenLayers: 3,
  numAttentionHeads: 2,
  intermediateSize: 16,
  maxPositionEmbeddings: 16,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  hiddenAct: 'gelu',
};
const WEIGHTS = randomBertWeights(CONFIG, 21);

const random = (rng: Rng, dims: number[]): Tensor =>
  tensor(
    'float32',
    dims,
    Float32Array.from({ length: dims.reduce((p, d) => p * d, 1) }, () => rng.uniform(-1, 1)),
  );
const mask = (rows: number[][]): Tensor => tensor('int64', [rows.length, rows[0]!.length], BigInt64Array.from(rows.flat(), BigInt));
const data = (t: Tensor | undefined) => Array.from(t!.data as Float32Array);
/** `x · W + b` for each row of `rows × 8` values, with a [8, 8] weight stored [in, out]. */
function project(x: Float32Array, weight: { data: unknown }, bias: { data: unknown }): Float32Array {
  const w = weight.data as Float32Array;
  const c = bias.data as Float32Array;
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / 8; r++)
    for (let o = 0; o < 8; o++) {
      let s = c[o]!;
      for (let i = 0; i < 8; i++) s += x[r * 8 + i]! * w[i * 8 + o]!;
      out[r * 8 + o] = s;
    }
  return out;
}

describe('BERT encoder slices and prefixes', () => {
  it('runs [0, 1) then [1, 3) to the same outputs as the whole encoder', async () => {
    const engine = await Engine.create();
    const rng = Rng.seeded(1);
    const embeds = random(rng, [2, 5, 8]);
    const m = mask([
      [1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0],
    ]);
    const whole = await forward(engine, buildBertEncoder(CONFIG, WEIGHTS), {
      [ENCODER_IO.inputsEmbeds]: embeds,
      [ENCODER_IO.attentionMask]: m,
    });
    const lower = await forward(engine, buildBertEncoder(CONFIG, WEIGHTS, { layers: [0, 1] }), {
      [ENCODER_IO.inputsEmbeds]: embeds,
      [ENCODER_IO.attentionMask]: m,
    });
    const upper = await forward(engine, buildBertEncoder(CONFIG, WEIGHTS, { layers: [1, 3] }), {
      [ENCODER_IO.hiddenStates]: lower[ENCODER_IO.lastHiddenState]!,
      [ENCODER_IO.attentionMask]: m,
    });
    for (const name of [ENCODER_IO.meanPooled, ENCODER_IO.lastHiddenState]) {
      data(upper[name]).forEach((v, i) => expect(v).toBeCloseTo(data(whole[name])[i]!, 5));
    }
    await engine.dispose();
  });

  it("gives the tokens of a one-layer slice what prepended tokens' keys and values would, with the tokens' padding still masked", async () => {
    const engine = await Engine.create();
    const rng = Rng.seeded(2);
    const [extra, tokens] = [2, 3];
    const states = random(rng, [1, extra + tokens, 8]);
    // Prepended tokens, then the sequence, through layer 1 alone.
    const prepended = await forward(engine, buildBertEncoder(CONFIG, WEIGHTS, { layers: [1, 2] }), {
      [ENCODER_IO.hiddenStates]: states,
      [ENCODER_IO.attentionMask]: mask([[1, 1, 1, 1, 0]]),
    });
    // The same extra tokens as a prefix: their keys and values, projected by layer 1's weights.
    const values = states.data as Float32Array;
    const extraStates = values.subarray(0, extra * 8);
    const w = (name: string) => WEIGHTS.get(`encoder.layer.1.attention.self.${name}`)!;
    const prefixed = await forward(engine, buildBertEncoder(CONFIG, WEIGHTS, { layers: [1, 2], prefix: [{ layer: 1, length: extra }] }), {
      [ENCODER_IO.hiddenStates]: tensor('float32', [1, tokens, 8], values.slice(extra * 8)),
      [ENCODER_IO.attentionMask]: mask([[1, 1, 0]]),
      [PREFIX_IO.key(1)]: tensor('float32', [1, extra, 8], project(extraStates, w('key.weight'), w('key.bias'))),
      [PREFIX_IO.value(1)]: tensor('float32', [1, extra, 8], project(extraStates, w('value.weight'), w('value.bias'))),
    });
    const want = data(prepended[ENCODER_IO.lastHiddenState]).slice(extra * 8);
    data(prefixed[ENCODER_IO.lastHiddenState]).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    await engine.dispose();
  });

  it('rejects a prefix layer outside the slice and an empty slice, naming them', () => {
    expect(() => buildBertEncoder(CONFIG, WEIGHTS, { layers: [1, 3], prefix: [{ layer: 0, length: 2 }] })).toThrow(
      /prefix layer 0 is outside the layers \[1, 3\)/,
    );
    expect(() => buildBertEncoder(CONFIG, WEIGHTS, { layers: [2, 2] })).toThrow(/layers \[2, 2\) must be a non-empty range/);
  });
});
