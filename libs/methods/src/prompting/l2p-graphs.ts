import { inlineGraph } from '@mneme/autodiff';
import { Attr, createTensor, GraphBuilder, type Model } from '@mneme/graph';
import { ENCODER_IO } from '@mneme/models';
import { MnemeError } from '@mneme/errors';
import { l2Normalize } from '../heads/block-head.js';

/** Names of the prompt-pool graphs' inputs, parameters and outputs. */
export const L2P_IO = Object.freeze({
  /** float32 [batch, tokens, hidden] token embeddings (token mode) or [batch, hidden] features (feature mode). */
  embeds: 'l2p/embeds',
  /** float32 [batch, promptTokens, hidden]: the selected prompts of each sample, concatenated. */
  prompts: 'l2p/prompts',
  /** int64 [batch, promptTokens + tokens]: attention mask with ones for the prompt positions (token mode). */
  mask: 'l2p/mask',
  /** float32 [batch, hidden]: the query (frozen pooled output of the raw input). */
  query: 'l2p/query',
  /** float32 [batch, selected, hidden]: the keys of the selected prompts. */
  keys: 'l2p/keys',
  /** int64 [batch]: class labels (classification). */
  labels: 'l2p/labels',
  /** float32 [batch]: per-sample loss weights summing to 1 (0 for padding rows). */
  weights: 'l2p/weights',
  /** float32 [classes]: 0 for trainable logits, a large negative number for masked ones. */
  logitBias: 'l2p/logit_bias',
  /** float32 [pairs, pairs]: contrastive logit bias (masks same-class off-diagonal pairs). */
  pairBias: 'l2p/pair_bias',
  /** float32 [batch, hidden]: the pooled (and optionally normalised) prompted representation. */
  pooled: 'l2p/pooled',
  logits: 'l2p/logits',
  loss: 'l2p/loss',
  headWeight: 'l2p.head.weight',
  headBias: 'l2p.head.bias',
});

/** "To the end" for Slice. */
const INT64_MAX = 2 ** 62;

/**
 * What the pooled representation is: `sentence`, the encoder's own pooling over prompts and tokens;
 * `prompt`, the mean of the prompt positions' outputs (L2P's); `input`, the mean of the input
 * tokens' outputs only (prompts act through attention, as in prefix tuning).
 */
export type L2pPooling = 'sentence' | 'prompt' | 'input';

/** How the head scores classes: an affine map, or scaled cosine similarity (no bias). */
export type L2pHead = 'linear' | 'cosine';

/** Options of {@link buildL2pGraph}. */
export interface L2pGraphSpec {
  /** Width of token embeddings / features. */
  readonly hidden: number;
  /** Prompt positions prepended per sample (selected × length); 0 = no prompts (head only). */
  readonly promptTokens: number;
  /** Keys selected per sample (for the surrogate loss). */
  readonly selected: number;
  /**
   * The frozen encoder (inputs_embeds + attention_mask → `pooledOutput`); absent in feature mode,
   * where the encoder is the identity on a one-token sequence (the documented degenerate case).
   */
  readonly encoder?: { readonly model: Model; readonly pooledOutput: string };
  /** See {@link L2pPooling}. */
  readonly pooling: L2pPooling;
  /** `linear` (logits = pooled·W + b) or `cosine` (logits = scale · cos(pooled, W's column)). @default 'linear' */
  readonly headKind?: L2pHead;
  /** Logit scale of the cosine head. @default 16 */
  readonly scale?: number;
  /** L2-normalise the pooled representation (sentence-transformers models do). */
  readonly normalize: boolean;
  /** What the graph computes: `predict` (pooled, logits), `classify` (+ loss) or `contrastive` (+ in-batch-negatives loss). */
  readonly objective: 'predict' | 'classify' | 'contrastive';
  /** Classes of the head (`classify`/`predict`); 0 = no head (contrastive). */
  readonly classes: number;
  /** Weight λ of the key-query surrogate loss. */
  readonly lambda: number;
  /** Contrastive temperature. @default 0.05 */
  readonly temperature?: number;
  /** Initial head weights [hidden, classes] and bias [classes]. */
  readonly head?: { readonly weight: Float32Array; readonly bias: Float32Array };
}

/**
 * One graph of the prompt pool: prompts (a graph input, gathered per sample in JS after selection)
 * are prepended to the token embeddings along the sequence axis, the frozen encoder is inlined and
 * pooled, a linear head gives logits; the training objectives add cross-entropy (or an in-batch
 * contrastive loss) and λ·Σₙ(1 − cos(query, keyₙ)). Prompts and keys are inputs, so their
 * gradients are input gradients; encoder weights stay constants and get no backward work.
 */
export function buildL2pGraph(spec: L2pGraphSpec): Model {
  const { hidden: h, promptTokens: p } = spec;
  const b = new GraphBuilder({ name: `l2p-${spec.objective}` });
  const f = (v: number) => b.scalar(v, 'float32');
  const tokenMode = spec.encoder !== undefined;
  const embeds = b.input(L2P_IO.embeds, 'float32', tokenMode ? ['batch', 'tokens', h] : ['batch', h]);
  const prompts = p > 0 ? b.input(L2P_IO.prompts, 'float32', ['batch', p, h]) : undefined;
  let pooled: string;
  if (spec.encoder !== undefined) {
    const mask = b.input(L2P_IO.mask, 'int64', ['batch', 'span']);
    const x = prompts === undefined ? embeds : b.concat([prompts, embeds], 1);
    const enc = inlineGraph(
      b,
      spec.encoder.model.graph,
      new Map([
        [ENCODER_IO.inputsEmbeds, x],
        [ENCODER_IO.attentionMask, mask],
      ]),
      'enc/',
    );
    const last = enc.get(ENCODER_IO.lastHiddenState)!;
    if (spec.pooling === 'prompt' && p > 0) pooled = b.reduceMean(b.slice(last, [0], [p], [1]), [1], false);
    else if (spec.pooling === 'input' && p > 0) {
      // Masked mean over the input positions (after the p prompt positions).
      const m = b.unsqueeze(b.cast(b.slice(mask, [p], [INT64_MAX], [1]), 'float32'), [2]);
      const sum = b.reduceSum(b.mul(b.slice(last, [p], [INT64_MAX], [1]), m), [1], false);
      pooled = b.div(sum, b.op('Max', [b.reduceSum(m, [1], false), f(1e-9)]));
    } else pooled = enc.get(spec.encoder.pooledOutput)!;
  } else {
    // Identity encoder on a one-token sequence: the feature row is the token, prompts precede it.
    const x = prompts === undefined ? b.unsqueeze(embeds, [1]) : b.concat([prompts, b.unsqueeze(embeds, [1])], 1);
    if (spec.pooling === 'prompt' && prompts !== undefined) pooled = b.reduceMean(prompts, [1], false);
    else if (spec.pooling === 'input') pooled = embeds;
    else pooled = b.reduceMean(x, [1], false);
  }
  const l2 = (v: string, axis: number) => l2Normalize(b, v, axis);
  if (spec.normalize) pooled = l2(pooled, -1);
  pooled = b.op('Identity', [pooled], {}, { outputs: [L2P_IO.pooled] })[0]!;
  b.output(pooled, 'float32', ['batch', h]);

  const logits =
    spec.classes > 0
      ? appendClassHead(b, pooled, {
          hidden: h,
          classes: spec.classes,
          kind: spec.headKind ?? 'linear',
          scale: spec.scale ?? 16,
          ...(spec.head === undefined ? {} : { init: spec.head }),
        })
      : undefined;
  if (spec.objective === 'predict') return b.build();

  const weights = b.input(L2P_IO.weights, 'float32', [spec.objective === 'contrastive' ? 'pairs' : 'batch']);
  let task: string;
  if (spec.objective === 'classify') {
    if (logits === undefined) throw new MnemeError('internal', 'the classify objective needs a head (classes > 0)');
    task = appendMaskedCrossEntropy(b, logits, spec.classes, weights);
  } else {
    task = appendPairContrastive(b, pooled, h, spec.temperature ?? 0.05, weights);
  }
  let loss = task;
  if (p > 0 && spec.selected > 0 && spec.lambda > 0) {
    const query = b.input(L2P_IO.query, 'float32', ['batch', h]);
    const keys = b.input(L2P_IO.keys, 'float32', ['batch', spec.selected, h]);
    const cos = b.reduceSum(b.mul(l2(keys, -1), b.unsqueeze(l2(query, -1), [1])), [2], false);
    const distance = b.reduceSum(b.sub(f(1), cos), [1], false);
    // Surrogate weights: per row of the batch (contrastive batches hold 2 rows per pair weight).
    const rowWeights = spec.objective === 'contrastive' ? b.mul(b.concat([weights, weights], 0), f(0.5)) : weights;
    loss = b.add(task, b.mul(b.reduceSum(b.mul(distance, rowWeights), [0], false), f(spec.lambda)));
  }
  b.op('Identity', [loss], {}, { outputs: [L2P_IO.loss] });
  b.output(L2P_IO.loss, 'float32', []);
  return b.build();
}

/**
 * The in-batch-negatives contrastive loss (InfoNCE) on a pooled batch of `2·pairs` rows: rows
 * 0..pairs−1 are queries, pairs..2·pairs−1 their positives, and every other positive is a negative
 * unless `L2P_IO.pairBias` [pairs, pairs] masks it (a large negative entry: a same-class pair, a
 * filler row). Takes `L2P_IO.labels` [pairs] (row i's target, i) and returns Σ weightsᵢ·lossᵢ.
 */
export function appendPairContrastive(b: GraphBuilder, pooled: string, hidden: number, temperature: number, weights: string): string {
  const pairBias = b.input(L2P_IO.pairBias, 'float32', ['pairs', 'pairs']);
  const halves = b.reshape(pooled, [2, -1, hidden]);
  const half = (i: number) => b.gather(halves, b.constant(createTensor('int64', [], [i])), 0);
  const sim = b.add(b.mul(b.matMul(half(0), b.transpose(half(1), [1, 0])), b.scalar(1 / temperature, 'float32')), pairBias);
  const targets = b.input(L2P_IO.labels, 'int64', ['pairs']);
  const perPair = b.op('SoftmaxCrossEntropyLoss', [sim, targets], { reduction: Attr.string('none') });
  return b.reduceSum(b.mul(perPair, weights), [0], false);
}

/** A class head on a pooled representation: its kind, width, logit scale and initial weights. */
export interface ClassHeadSpec {
  readonly hidden: number;
  readonly classes: number;
  /** `linear` (pooled·W + b) or `cosine` (scale · cos(pooled, W's column), no bias). */
  readonly kind: L2pHead;
  readonly scale: number;
  /** Initial weights [hidden, classes] and bias [classes]. @default zeros */
  readonly init?: { readonly weight: Float32Array; readonly bias: Float32Array };
}

/**
 * Appends a class head (parameters `l2p.head.weight`, and `l2p.head.bias` when linear) and the
 * `l2p/logits` output [batch, classes]; returns the logits.
 */
export function appendClassHead(b: GraphBuilder, pooled: string, spec: ClassHeadSpec): string {
  const { hidden: h, classes: c } = spec;
  const weight = b.initializer(L2P_IO.headWeight, createTensor('float32', [h, c], spec.init?.weight ?? new Float32Array(h * c)));
  let scores: string;
  if (spec.kind === 'cosine') {
    // Normalised features and class columns: new classes cannot win by growing their norms.
    scores = b.mul(b.matMul(l2Normalize(b, pooled, -1), l2Normalize(b, weight, 0)), b.scalar(spec.scale, 'float32'));
  } else {
    const bias = b.initializer(L2P_IO.headBias, createTensor('float32', [c], spec.init?.bias ?? new Float32Array(c)));
    scores = b.add(b.matMul(pooled, weight), bias);
  }
  const logits = b.op('Identity', [scores], {}, { outputs: [L2P_IO.logits] })[0]!;
  b.output(logits, 'float32', ['batch', c]);
  return logits;
}

/**
 * Σᵢ wᵢ · CE(logitsᵢ + logit_bias, labelᵢ), with the `l2p/labels` [batch] and `l2p/logit_bias`
 * [classes] inputs (a large negative bias masks logits out: L2P's train mask).
 */
export function appendMaskedCrossEntropy(b: GraphBuilder, logits: string, classes: number, weights: string): string {
  const labels = b.input(L2P_IO.labels, 'int64', ['batch']);
  const logitBias = b.input(L2P_IO.logitBias, 'float32', [classes]);
  const perSample = b.op('SoftmaxCrossEntropyLoss', [b.add(logits, logitBias), labels], { reduction: Attr.string('none') });
  return b.reduceSum(b.mul(perSample, weights), [0], false);
}
