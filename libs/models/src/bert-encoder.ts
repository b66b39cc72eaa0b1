import { type Tensor } from '@mneme/tensor';
import { Attr, createTensor, GraphBuilder, type Dim, type Model } from '@mneme/graph';
import { Rng } from '@mneme/random';
import { InvalidArgumentError } from '@mneme/errors';
import { validateBertConfig, type BertConfig } from './bert-config.js';
import { filled } from './init.js';

/** Names of the encoder entry point's inputs and outputs. */
export const ENCODER_IO = Object.freeze({
  /** float32 [batch, seq, hidden]: token embeddings (what prompt tuning and distillation differentiate). */
  inputsEmbeds: 'inputs_embeds',
  /** int64 [batch, seq]: 1 for real tokens, 0 for padding. */
  attentionMask: 'attention_mask',
  /** float32 [batch, seq, hidden]. */
  lastHiddenState: 'last_hidden_state',
  /** float32 [batch, hidden]: the first token's final state. */
  cls: 'cls',
  /** float32 [batch, hidden]: masked mean of the final states (sentence-transformers pooling). */
  meanPooled: 'mean_pooled',
  /** int64 [batch, seq]: token ids (embeddings entry point). */
  inputIds: 'input_ids',
  /** int64 [batch, seq]: segment ids (embeddings entry point); optional, zeros when absent. */
  tokenTypeIds: 'token_type_ids',
  /** float32 [batch, seq, hidden]: the states entering the first layer of a slice that starts above layer 0. */
  hiddenStates: 'hidden_states',
});

/**
 * Names of a prefix-tuned layer's inputs (Li & Liang 2021): float32 [batch, length, hidden] key and
 * value vectors, in the projected space, attended by every token of that layer before its own keys.
 */
export const PREFIX_IO = Object.freeze({
  key: (layer: number) => `prefix_key.${layer}`,
  value: (layer: number) => `prefix_value.${layer}`,
});

/**
 * Weights by Hugging Face parameter name (`encoder.layer.0.attention.self.query.weight`, ...).
 * Linear weights are stored as [in, out] (the transpose of PyTorch's [out, in]) so the graph uses
 * MatMul directly; the importer transposes once.
 */
export type BertWeights = ReadonlyMap<string, Tensor>;

/** Options of the BERT graph builders. */
export interface BertGraphOptions {
  /** Batch dim. @default 'batch' */
  batch?: Dim;
  /** Sequence dim. @default 'sequence' */
  sequence?: Dim;
}

/** Which part of the encoder a graph runs, and where it takes prefixes. */
export interface BertSliceOptions extends BertGraphOptions {
  /**
   * Layers `[from, to)` the graph runs. Above layer 0 the input is `hidden_states`, the states
   * entering layer `from` (the `last_hidden_state` of the slice `[0, from)`), so a frozen lower
   * part can run once and be cached. @default all layers
   */
  layers?: readonly [number, number];
  /** Prefix-tuned layers (within `layers`), each with its prefix length; see {@link PREFIX_IO}. */
  prefix?: readonly { readonly layer: number; readonly length: number }[];
}

const layerPrefix = (i: number) => `encoder.layer.${i}`;

/** Parameter names and shapes of a BERT encoder ([in, out] linear weights). */
export function bertParameterShapes(c: BertConfig): Map<string, number[]> {
  const h = c.hiddenSize;
  const shapes = new Map<string, number[]>([
    ['embeddings.word_embeddings.weight', [c.vocabSize, h]],
    ['embeddings.position_embeddings.weight', [c.maxPositionEmbeddings, h]],
    ['embeddings.token_type_embeddings.weight', [c.typeVocabSize, h]],
    ['embeddings.LayerNorm.weight', [h]],
    ['embeddings.LayerNorm.bias', [h]],
  ]);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = layerPrefix(i);
    for (const name of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense']) {
      shapes.set(`${p}.${name}.weight`, [h, h]);
      shapes.set(`${p}.${name}.bias`, [h]);
    }
    shapes.set(`${p}.attention.output.LayerNorm.weight`, [h]);
    shapes.set(`${p}.attention.output.LayerNorm.bias`, [h]);
    shapes.set(`${p}.intermediate.dense.weight`, [h, c.intermediateSize]);
    shapes.set(`${p}.intermediate.dense.bias`, [c.intermediateSize]);
    shapes.set(`${p}.output.dense.weight`, [c.intermediateSize, h]);
    shapes.set(`${p}.output.dense.bias`, [h]);
    shapes.set(`${p}.output.LayerNorm.weight`, [h]);
    shapes.set(`${p}.output.LayerNorm.bias`, [h]);
  }
  return shapes;
}

/** Random BERT weights as BERT initialises them (N(0, 0.02), LayerNorm 1/0, biases 0), seeded. */
export function randomBertWeights(c: BertConfig, seed = 0): BertWeights {
  const rng = Rng.seeded(seed);
  const weights = new Map<string, Tensor>();
  for (const [name, shape] of bertParameterShapes(c)) {
    const isLayerNormScale = name.endsWith('LayerNorm.weight');
    const isBias = name.endsWith('.bias');
    weights.set(name, filled(shape, isLayerNormScale ? () => 1 : isBias ? () => 0 : () => rng.normal(0, 0.02)));
  }
  return weights;
}

/** Throws RangeError listing config problems and missing or mis-shaped `names` in `weights`. */
export function checkedBertWeights(c: BertConfig, weights: BertWeights, names: readonly string[]): void {
  const problems = validateBertConfig(c);
  const shapes = bertParameterShapes(c);
  for (const name of names) {
    const w = weights.get(name);
    const want = shapes.get(name)!;
    if (w === undefined) problems.push(`missing weight '${name}'`);
    else if (w.shape.join() !== want.join())
      problems.push(`weight '${name}' has shape [${w.shape.join(', ')}], expected [${want.join(', ')}]`);
  }
  if (problems.length > 0) throw new InvalidArgumentError(`Cannot build the BERT graph: ${problems.join('; ')}`);
}

/**
 * The embeddings entry point: `input_ids` (+ optional `token_type_ids`) → `inputs_embeds`
 * (word + position + token-type embeddings, then LayerNorm). Positions are 0..seq−1.
 */
export function buildBertEmbeddings(c: BertConfig, weights: BertWeights, options: BertGraphOptions = {}): Model {
  const names = [...bertParameterShapes(c).keys()].filter((n) => n.startsWith('embeddings.'));
  checkedBertWeights(c, weights, names);
  const [batch, seq] = [options.batch ?? 'batch', options.sequence ?? 'sequence'];
  const b = new GraphBuilder({ name: 'bert-embeddings' });
  for (const n of names) b.initializer(n, weights.get(n)!);
  const ids = b.input(ENCODER_IO.inputIds, 'int64', [batch, seq]);
  const types = b.input(ENCODER_IO.tokenTypeIds, 'int64', [batch, seq]);
  const words = b.gather('embeddings.word_embeddings.weight', ids);
  const length = b.gather(b.shape(ids), b.constant(createTensor('int64', [], [1])));
  const positions = b.op('Range', [b.constant(createTensor('int64', [], [0])), length, b.constant(createTensor('int64', [], [1]))]);
  const pos = b.gather('embeddings.position_embeddings.weight', positions);
  const typ = b.gather('embeddings.token_type_embeddings.weight', types);
  const sum = b.add(b.add(words, pos), typ);
  const out = b.op(
    'LayerNormalization',
    [sum, 'embeddings.LayerNorm.weight', 'embeddings.LayerNorm.bias'],
    { axis: Attr.int(-1), epsilon: Attr.float(c.layerNormEps) },
    { outputs: [ENCODER_IO.inputsEmbeds] },
  )[0]!;
  b.output(out, 'float32', [batch, seq, c.hiddenSize]);
  return b.build();
}

/**
 * The encoder entry point: `inputs_embeds` + `attention_mask` → `last_hidden_state`, `cls` and
 * `mean_pooled` (post-LayerNorm BERT layers with exact GELU). This is the graph prompt tuning and
 * distillation differentiate with respect to `inputs_embeds`. With `layers`, a slice of the layers
 * (see {@link BertSliceOptions}); with `prefix`, prefix-tuned layers whose attention also reads the
 * `prefix_key.<i>` / `prefix_value.<i>` inputs (always attended, whatever the mask).
 */
export function buildBertEncoder(c: BertConfig, weights: BertWeights, options: BertSliceOptions = {}): Model {
  const [from, to] = options.layers ?? [0, c.numHiddenLayers];
  const prefixLength = new Map((options.prefix ?? []).map((p) => [p.layer, p.length]));
  const prefixLayers = new Set(prefixLength.keys());
  const problems: string[] = [];
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > c.numHiddenLayers || from >= to) {
    problems.push(`layers [${from}, ${to}) must be a non-empty range within the encoder's ${c.numHiddenLayers} layers`);
  }
  for (const l of prefixLayers)
    if (!Number.isInteger(l) || l < from || l >= to) problems.push(`prefix layer ${l} is outside the layers [${from}, ${to})`);
  if (prefixLength.size !== (options.prefix ?? []).length) problems.push('a prefix layer is listed twice');
  for (const [l, length] of prefixLength)
    if (!Number.isInteger(length) || length < 1) problems.push(`prefix length ${length} of layer ${l} must be a positive integer`);
  if (problems.length > 0) throw new InvalidArgumentError(`Cannot build the BERT graph: ${problems.join('; ')}`);
  const inSlice = (n: string) => {
    const m = /^encoder\.layer\.(\d+)\./.exec(n);
    return m !== null && Number(m[1]) >= from && Number(m[1]) < to;
  };
  const names = [...bertParameterShapes(c).keys()].filter(inSlice);
  checkedBertWeights(c, weights, names);
  const [batch, seq] = [options.batch ?? 'batch', options.sequence ?? 'sequence'];
  const h = c.hiddenSize;
  const heads = c.numAttentionHeads;
  const headDim = h / heads;
  const b = new GraphBuilder({ name: from === 0 && to === c.numHiddenLayers ? 'bert-encoder' : `bert-encoder-${from}-${to}` });
  for (const n of names) b.initializer(n, weights.get(n)!);
  const f = (v: number) => b.scalar(v, 'float32');
  const x0 = b.input(from === 0 ? ENCODER_IO.inputsEmbeds : ENCODER_IO.hiddenStates, 'float32', [batch, seq, h]);
  const mask = b.input(ENCODER_IO.attentionMask, 'int64', [batch, seq]);
  const maskF = b.cast(mask, 'float32');
  // Additive attention bias [batch, 1, 1, seq]: 0 for tokens, the float32 minimum for padding.
  const bias = b.mul(b.sub(f(1), b.unsqueeze(maskF, [1, 2])), f(-3.4028234663852886e38));
  // Prefix positions are never masked: zeros before the tokens' bias, one bias per prefix length.
  const prefixBiases = new Map<number, string>();
  const biasWithPrefix = (length: number): string => {
    let hit = prefixBiases.get(length);
    if (hit === undefined) {
      const zeros = b.expand(f(0), b.concat([b.slice(b.shape(bias), [0], [3]), b.constant(createTensor('int64', [1], [length]))], 0));
      hit = b.concat([zeros, bias], 3);
      prefixBiases.set(length, hit);
    }
    return hit;
  };
  const linear = (x: string, name: string) => b.add(b.matMul(x, `${name}.weight`), `${name}.bias`);
  const layerNorm = (x: string, name: string) =>
    b.op('LayerNormalization', [x, `${name}.weight`, `${name}.bias`], { axis: Attr.int(-1), epsilon: Attr.float(c.layerNormEps) });
  const splitHeads = (x: string, perm: number[]) => b.transpose(b.reshape(x, [0, 0, heads, headDim]), perm);

  let x = x0;
  for (let i = from; i < to; i++) {
    const p = layerPrefix(i);
    let keys = linear(x, `${p}.attention.self.key`);
    let values = linear(x, `${p}.attention.self.value`);
    const length = prefixLength.get(i);
    if (length !== undefined) {
      keys = b.concat([b.input(PREFIX_IO.key(i), 'float32', [batch, length, h]), keys], 1);
      values = b.concat([b.input(PREFIX_IO.value(i), 'float32', [batch, length, h]), values], 1);
    }
    const q = splitHeads(linear(x, `${p}.attention.self.query`), [0, 2, 1, 3]);
    const k = splitHeads(keys, [0, 2, 3, 1]);
    const v = splitHeads(values, [0, 2, 1, 3]);
    const scores = b.add(b.mul(b.matMul(q, k), f(1 / Math.sqrt(headDim))), length === undefined ? bias : biasWithPrefix(length));
    const context = b.reshape(b.transpose(b.matMul(b.softmax(scores, -1), v), [0, 2, 1, 3]), [0, 0, h]);
    const attended = layerNorm(b.add(linear(context, `${p}.attention.output.dense`), x), `${p}.attention.output.LayerNorm`);
    const inner = linear(attended, `${p}.intermediate.dense`);
    const gelu = b.mul(b.mul(inner, f(0.5)), b.add(f(1), b.op('Erf', [b.mul(inner, f(Math.SQRT1_2))])));
    x = layerNorm(b.add(linear(gelu, `${p}.output.dense`), attended), `${p}.output.LayerNorm`);
  }
  appendEncoderOutputs(b, x, maskF, [batch, seq, h]);
  return b.build();
}

/**
 * The encoder graphs' outputs from the final states `x` and the float mask: `last_hidden_state`,
 * `cls` (first token) and `mean_pooled` (masked mean, as sentence-transformers pools).
 */
export function appendEncoderOutputs(b: GraphBuilder, x: string, maskF: string, [batch, seq, h]: readonly [Dim, Dim, number]): void {
  const last = b.op('Identity', [x], {}, { outputs: [ENCODER_IO.lastHiddenState] })[0]!;
  const cls = b.op('Gather', [last, b.constant(createTensor('int64', [], [0]))], { axis: Attr.int(1) }, { outputs: [ENCODER_IO.cls] })[0]!;
  const weighted = b.reduceSum(b.mul(last, b.unsqueeze(maskF, [2])), [1], false);
  const count = b.op('Clip', [b.reduceSum(maskF, [1], true), b.scalar(1e-9)]);
  const mean = b.op('Div', [weighted, count], {}, { outputs: [ENCODER_IO.meanPooled] })[0]!;
  b.output(last, 'float32', [batch, seq, h]);
  b.output(cls, 'float32', [batch, h]);
  b.output(mean, 'float32', [batch, h]);
}
