/**
 * Dense retrieval with prefix prompts trained continually on a frozen sentence encoder.
 *
 * One shared prompt (prefix tuning: Li & Liang, "Prefix-Tuning: Optimizing Continuous Prompts for
 * Generation", ACL 2021) gives each chosen layer `length` extra key and value vectors that every
 * token attends to; the sentence embedding still pools the input tokens only. The prompt is trained
 * with the in-batch-negatives contrastive loss of sentence encoders (InfoNCE as in
 * sentence-transformers' MultipleNegativesRankingLoss) on (query, positive) pairs, experience after
 * experience; pairs of the same `group` (say, the same intent) are not each other's negatives.
 *
 * Keeping earlier experiences. A dense retriever has no classes to protect: its whole output space
 * moves when the prompt moves. Two brakes keep what earlier experiences taught (the GPM/EWC family's
 * quadratic anchor, cheapest form): `anchor` pulls the prompt towards its value at the start of the
 * current experience (`anchor·‖p − p₀‖²`), and `average` keeps the running mean of the prompt over
 * experiences (weight averaging across tasks, as in model soups / WiSE-FT) as the prompt that embeds.
 *
 * Cost. The prompt sits in layers ≥ `layers[0]`, so the states entering that layer are computed
 * once per text and kept ({@link FrozenStates}); a step runs and differentiates the layers above.
 */
import { InvalidArgumentError } from '@mneme/errors';
import { ParameterStore, type Executor } from '@mneme/execution';
import { buildBertEncoder, PREFIX_IO } from '@mneme/models';
import { Rng } from '@mneme/random';
import { int64FromInt32, scatterRows, tensor, type Tensor } from '@mneme/tensor';
import { FrozenStates, packStates } from './frozen-states.js';
import { fromBase64, toBase64 } from '../heads/gram-statistics.js';
import { L2P_IO } from './l2p-graphs.js';
import { buildPrefixGraph, PREFIX_GRAPH_IO } from './prefix-graphs.js';
import { prefixFeedsOf, promptGradientOf } from './prefix-learner.js';
import { clipGlobalNormInPlace, sparseUpdate } from './sparse-update.js';
import type { TextInputs } from '../core/text-inputs.js';
import { lengthOrderedChunks, truncateIds } from './token-batches.js';

/** Options of a {@link PromptedRetriever}; every field has a default. */
export interface PromptedRetrieverOptions {
  /** Prompted layers `[start, end)`. @default the upper half of the encoder */
  readonly layers?: readonly [number, number];
  /** Prefix length (keys and values each) per layer. @default 5 */
  readonly length?: number;
  /** Adam's learning rate on the prompt. @default 0.01 (chosen on CLINC150's validation split, with `average`) */
  readonly learningRate?: number;
  /** Contrastive temperature. @default 0.05 */
  readonly temperature?: number;
  /** Pairs per step. @default 32 */
  readonly pairsPerBatch?: number;
  /** Weight of the pull towards the prompt at the start of each experience. @default 0 */
  readonly anchor?: number;
  /** Embed with the mean of the prompts at each experience's end (not the latest). @default true */
  readonly average?: boolean;
  /** Global gradient-norm clip. @default 1 */
  readonly clip?: number;
  /** Prompt entries start U(−s, s). @default 0.02 */
  readonly initScale?: number;
  /** Token cap per text (`[CLS] … [SEP]` kept). @default 64 */
  readonly maxTokens?: number;
  /** Texts per forward pass when embedding. @default 64 */
  readonly evalBatch?: number;
  /** Bytes of frozen lower-layer states kept, in MiB. @default 1024 */
  readonly cacheMb?: number;
  readonly seed?: number;
}

/** A training pair: token ids (`[CLS] … [SEP]`) of a query and of a text relevant to it. */
export interface RetrievalPair {
  readonly query: readonly number[];
  readonly positive: readonly number[];
  /** Pairs of one group are relevant to each other, so they are not used as each other's negatives. */
  readonly group?: number;
}

/** What {@link PromptedRetriever.train} reports per step. */
export interface RetrievalStep {
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
}

/** A retriever's saved state (JSON-safe). */
export interface PromptedRetrieverState {
  readonly kind: 'prompted-retriever';
  readonly layers: readonly [number, number];
  readonly length: number;
  readonly hidden: number;
  /** The trained prompt, base64 float32 `[layers, 2 (key, value), length, hidden]`. */
  readonly prompt: string;
  /** Sum of the prompts at each ended experience's end, base64 (for `average`). */
  readonly promptSum: string;
  readonly experiences: number;
}

const PROMPT = 'retriever.prompt';
const RESOLVED_DEFAULTS = {
  length: 5,
  learningRate: 1e-2,
  temperature: 0.05,
  pairsPerBatch: 32,
  anchor: 0,
  average: true,
  clip: 1,
  initScale: 0.02,
  maxTokens: 64,
  evalBatch: 64,
  cacheMb: 1024,
  seed: 0,
};

/** Dense retrieval through a frozen BERT encoder with one continually trained prefix prompt. */
export class PromptedRetriever {
  readonly options: Required<PromptedRetrieverOptions>;
  private readonly layerList: number[];
  private readonly frozen: FrozenStates;
  private readonly predictGraph;
  private readonly trainGraph;
  private store = new ParameterStore();
  /** The prompt at the start of the current experience (the anchor's target). */
  private start: Float32Array;
  private promptSum: Float32Array;
  private experiences = 0;

  constructor(
    private readonly executor: Executor,
    private readonly text: TextInputs,
    options: PromptedRetrieverOptions = {},
  ) {
    const bert = text.bert;
    if (bert === undefined)
      throw new InvalidArgumentError(
        'prompted retrieval needs a BERT-shaped encoder (TextInputs.bert): this encoder has no layers to prompt',
      );
    const depth = bert.config.numHiddenLayers;
    const o = { ...RESOLVED_DEFAULTS, layers: [Math.floor(depth / 2), depth] as const, ...options };
    const problems: string[] = [];
    const [from, to] = o.layers;
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > depth || to <= from)
      problems.push(`layers must be [start, end) with 0 ≤ start < end ≤ ${depth}, got [${from}, ${to})`);
    for (const k of ['length', 'pairsPerBatch', 'maxTokens', 'evalBatch'] as const)
      if (!Number.isInteger(o[k]) || o[k] < 1) problems.push(`${k} must be a positive integer, got ${o[k]}`);
    if (o.maxTokens < 2) problems.push(`maxTokens must be at least 2 ([CLS] and [SEP]), got ${o.maxTokens}`);
    for (const k of ['learningRate', 'temperature', 'clip', 'cacheMb'] as const)
      if (!(o[k] > 0)) problems.push(`${k} must be positive, got ${o[k]}`);
    for (const k of ['anchor', 'initScale'] as const) if (!(o[k] >= 0)) problems.push(`${k} must be ≥ 0, got ${o[k]}`);
    if (problems.length > 0) throw new InvalidArgumentError(`prompted retriever: ${problems.join('; ')}`);
    this.options = o;
    this.layerList = Array.from({ length: to - from }, (_, i) => from + i);
    const h = text.hiddenSize;
    this.frozen = new FrozenStates(executor, text as TextInputs & { bert: NonNullable<TextInputs['bert']> }, from, o.cacheMb * 1024 * 1024);
    const prefixes = this.layerList.map((layer) => ({ layer, length: o.length }));
    const slice = buildBertEncoder(bert.config, bert.weights, { layers: [from, depth], prefix: prefixes });
    const spec = {
      hidden: h,
      encoder: { model: slice, pooledOutput: text.pooled },
      prefixes,
      normalize: text.normalize,
      classes: 0,
      headKind: 'linear' as const,
      scale: 1,
    };
    this.predictGraph = buildPrefixGraph({ ...spec, objective: 'predict' });
    this.trainGraph = buildPrefixGraph({ ...spec, objective: 'contrastive', temperature: o.temperature });
    const rng = Rng.seeded(o.seed ^ 0x5e7);
    const prompt = Float32Array.from({ length: this.promptSize }, () => rng.uniform(-o.initScale, o.initScale));
    this.store.set(PROMPT, tensor('float32', [this.promptSize], prompt));
    this.start = prompt.slice();
    this.promptSum = new Float32Array(this.promptSize);
  }

  private get promptSize(): number {
    return this.layerList.length * 2 * this.options.length * this.text.hiddenSize;
  }

  /** The prompt that embeds: the latest, or with `average` the mean over ended experiences. */
  get prompt(): Float32Array {
    const latest = this.store.get(PROMPT).data;
    if (!this.options.average || this.experiences === 0) return latest;
    return Float32Array.from(this.promptSum, (x) => x / this.experiences);
  }

  /** Starts an experience: the anchor moves to the prompt as it is now. */
  beginExperience(): void {
    this.start = this.store.get(PROMPT).data.slice();
  }

  /** Ends an experience: its final prompt joins the average. */
  endExperience(): void {
    const p = this.store.get(PROMPT).data;
    for (let i = 0; i < p.length; i++) this.promptSum[i]! += p[i]!;
    this.experiences += 1;
  }

  /**
   * Trains the prompt on `pairs` for `epochs` passes (shuffled each pass, `seed`-determined), one
   * Adam step per `pairsPerBatch` pairs; the mean loss per step.
   */
  async train(
    pairs: readonly RetrievalPair[],
    settings: { readonly epochs?: number; readonly seed?: number; readonly onStep?: (s: RetrievalStep) => void } = {},
  ): Promise<{ steps: number; meanLoss: number }> {
    const epochs = settings.epochs ?? 1;
    if (!Number.isInteger(epochs) || epochs < 1) throw new InvalidArgumentError(`epochs must be a positive integer, got ${epochs}`);
    pairs.forEach((p, i) => {
      for (const side of ['query', 'positive'] as const) {
        if (p[side].length < 2)
          throw new InvalidArgumentError(`pair ${i}: the ${side} needs at least [CLS] and [SEP], got ${p[side].length} token ids`);
      }
    });
    if (pairs.length === 0) return { steps: 0, meanLoss: Number.NaN };
    const rng = Rng.seeded((settings.seed ?? this.options.seed) ^ 0x7a1);
    const P = this.options.pairsPerBatch;
    const steps = epochs * Math.ceil(pairs.length / P);
    let total = 0;
    let done = 0;
    for (let e = 0; e < epochs; e++) {
      const order = rng.shuffle([...pairs.keys()]);
      for (let at = 0; at < order.length; at += P) {
        const loss = await this.step(order.slice(at, at + P).map((i) => pairs[i]!));
        total += loss;
        done += 1;
        settings.onStep?.({ step: done, steps, loss });
      }
    }
    return { steps: done, meanLoss: total / done };
  }

  private async step(batch: readonly RetrievalPair[]): Promise<number> {
    const P = this.options.pairsPerBatch;
    const real = batch.length;
    const h = this.text.hiddenSize;
    const rows = [...Array(P).keys()].map((i) => batch[i] ?? batch[0]!);
    const tokens = [...rows.map((p) => p.query), ...rows.map((p) => p.positive)].map((t) => truncateIds(t, this.options.maxTokens));
    const states = await this.frozen.states(tokens);
    const longest = Math.max(...states.map((s) => s.length / h));
    // Gradient graphs compile per shape: lengths round up to a multiple of 8 to compile only a few.
    const packed = packStates(states, 2 * P, Math.ceil(longest / 8) * 8, h);
    const prompt = this.store.get(PROMPT).data;
    const bias = new Float32Array(P * P);
    for (let i = 0; i < P; i++) {
      for (let j = 0; j < P; j++) {
        const sameGroup = rows[i]!.group !== undefined && rows[i]!.group === rows[j]!.group;
        if (i !== j && (j >= real || sameGroup)) bias[i * P + j] = -1e9;
      }
    }
    const feeds: Record<string, Tensor> = {
      [PREFIX_GRAPH_IO.states]: packed.states,
      [PREFIX_GRAPH_IO.mask]: packed.mask,
      ...this.prefixFeeds(prompt, 2 * P),
      [L2P_IO.labels]: tensor('int64', [P], int64FromInt32(Int32Array.from({ length: P }, (_, i) => i))),
      [L2P_IO.weights]: tensor(
        'float32',
        [P],
        Float32Array.from({ length: P }, (_, i) => (i < real ? 1 / real : 0)),
      ),
      [L2P_IO.pairBias]: tensor('float32', [P, P], bias),
    };
    const wrt = this.layerList.flatMap((l) => [PREFIX_IO.key(l), PREFIX_IO.value(l)]);
    const result = await this.executor.lossAndGradients(this.trainGraph, feeds, { loss: PREFIX_GRAPH_IO.loss, wrt });
    const grad = promptGradientOf(result.gradients, this.layerList, this.options.length, h, 2 * P, PREFIX_IO.key, PREFIX_IO.value);
    let loss = result.loss;
    if (this.options.anchor > 0) {
      const a = this.options.anchor;
      for (let i = 0; i < grad.length; i++) {
        const diff = prompt[i]! - this.start[i]!;
        grad[i]! += 2 * a * diff;
        loss += a * diff * diff;
      }
    }
    clipGlobalNormInPlace([grad], this.options.clip);
    this.store.step += 1;
    sparseUpdate(this.store, PROMPT, grad, { kind: 'adam' }, this.options.learningRate, this.store.step);
    return loss;
  }

  private prefixFeeds(prompt: Float32Array, rows: number): Record<string, Tensor> {
    return prefixFeedsOf(this.layerList, this.options.length, this.text.hiddenSize, rows, () => prompt, PREFIX_IO.key, PREFIX_IO.value);
  }

  /** L2-normalised (if the encoder's are) sentence embeddings of token rows, `n × hidden`. */
  async embed(tokens: readonly (readonly number[])[]): Promise<Float32Array> {
    const h = this.text.hiddenSize;
    tokens.forEach((t, i) => {
      if (t.length < 2) throw new InvalidArgumentError(`text ${i}: needs at least [CLS] and [SEP], got ${t.length} token ids`);
    });
    const out = new Float32Array(tokens.length * h);
    const prompt = this.prompt;
    const capped = tokens.map((t) => truncateIds(t, this.options.maxTokens));
    for (const chunk of lengthOrderedChunks(capped.length, this.options.evalBatch, capped)) {
      const states = await this.frozen.states(chunk.map((r) => capped[r]!));
      const packed = packStates(states, chunk.length, Math.max(...states.map((s) => s.length / h)), h);
      const result = await this.executor.forward(
        this.predictGraph,
        { [PREFIX_GRAPH_IO.states]: packed.states, [PREFIX_GRAPH_IO.mask]: packed.mask, ...this.prefixFeeds(prompt, chunk.length) },
        { fetches: [PREFIX_GRAPH_IO.pooled] },
      );
      const pooled = result[PREFIX_GRAPH_IO.pooled]!.data as Float32Array;
      scatterRows(out, h, chunk, pooled);
    }
    return out;
  }

  /** The state to {@link restore} later. */
  save(): PromptedRetrieverState {
    const o = this.options;
    return {
      kind: 'prompted-retriever',
      layers: [...o.layers] as [number, number],
      length: o.length,
      hidden: this.text.hiddenSize,
      prompt: toBase64(this.store.get(PROMPT).data),
      promptSum: toBase64(this.promptSum),
      experiences: this.experiences,
    };
  }

  /** Restores a saved state; a state of another shape is refused before anything changes. */
  restore(state: PromptedRetrieverState): void {
    const o = this.options;
    const problems: string[] = [];
    if (state.kind !== 'prompted-retriever') problems.push(`kind must be 'prompted-retriever', got '${String(state.kind)}'`);
    if (state.layers?.[0] !== o.layers[0] || state.layers?.[1] !== o.layers[1])
      problems.push(`layers [${String(state.layers)}] differ from this retriever's [${o.layers.join(', ')}]`);
    if (state.length !== o.length || state.hidden !== this.text.hiddenSize)
      problems.push(`prompt shape (length ${state.length}, hidden ${state.hidden}) differs from (${o.length}, ${this.text.hiddenSize})`);
    const decode = (name: 'prompt' | 'promptSum'): Float32Array => {
      try {
        return fromBase64(String(state[name]), Float32Array);
      } catch (err) {
        problems.push(`${name} is not base64 float32 values: ${(err as Error).message}`);
        return new Float32Array(0);
      }
    };
    const prompt = problems.length === 0 ? decode('prompt') : new Float32Array(0);
    const sum = problems.length === 0 ? decode('promptSum') : new Float32Array(0);
    if (problems.length === 0 && (prompt.length !== this.promptSize || sum.length !== this.promptSize))
      problems.push(`the prompt holds ${prompt.length} values (sum ${sum.length}), expected ${this.promptSize}`);
    if (problems.length === 0 && (!Number.isInteger(state.experiences) || state.experiences < 0))
      problems.push(`experiences must be an integer ≥ 0, got ${String(state.experiences)}`);
    if (problems.length > 0) throw new InvalidArgumentError(`cannot restore the prompted retriever: ${problems.join('; ')}`);
    const store = new ParameterStore();
    // The optimizer's moments are not saved: training after a restore starts Adam afresh.
    store.set(PROMPT, tensor('float32', [this.promptSize], prompt));
    this.store = store;
    this.start = prompt.slice();
    this.promptSum = sum;
    this.experiences = state.experiences;
  }

  /** Frees the graphs' sessions. */
  async dispose(): Promise<void> {
    await Promise.all([this.predictGraph, this.trainGraph].map((m) => this.executor.release?.(m)));
  }
}
