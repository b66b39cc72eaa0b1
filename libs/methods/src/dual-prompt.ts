/**
 * DualPrompt: Wang, Zhang, Ebrahimi, Sun, Zhang, Lee, Ren, Su, Perot, Dy & Pfister, "DualPrompt:
 * Complementary Prompting for Rehearsal-free Continual Learning", ECCV 2022. A shared G(eneral)-
 * prompt in the lower layers and one E(xpert)-prompt per experience in the middle layers, both
 * attached as prefixes (prefix tuning, Li & Liang 2021: key and value vectors that every token of a
 * layer attends to, after the layer's own projections). Each E-prompt has a key; training uses the
 * current experience's E-prompt and pulls its key towards the queries (λ·(1 − cos(q, k))), and
 * prediction picks, per input, the E-prompt whose key is most cosine-similar to the frozen
 * encoder's output for the raw input (the query). The encoder never changes.
 *
 * Cost. Prompts in layers ≥ s cannot change the states entering layer s, so those are computed once
 * per text and kept ({@link FrozenStates}); training and prediction run only layers s and up.
 *
 * Heads (`head`): `linear` (DualPrompt's, trained with the prompts under the train mask) or
 * `cosine` (scaled cosine, no bias), or heads fitted in closed form on the prompted features after
 * each experience (`class-mean`, `ridge`: see prompted-heads.ts), the prompts then trained with a
 * linear head under the train mask. With a fitted head, an old experience's features change only
 * through the shared G-prompt: `shared=first` trains it in the first experience only.
 *
 * Without token inputs (feature benchmarks, the conformance suite), feature mode: the documented
 * degenerate case in which each prefix shifts the feature row by the mean of its values.
 *
 * Options (CLI `--set key=value`): gStart, gEnd, eStart, eEnd (layer ranges [start, end); defaults
 * scale the paper's ViT-B layers 0–1 and 2–4 of 12 to the encoder's depth), gLength (5), eLength (5),
 * lambda (1), head (linear|cosine|class-mean|ridge), projection (the ridge head's random features, 2048), scale (16), mask (current|seen), shared
 * (all|first), promptLr, initScale (1: U(−1, 1) as the reference code), maxTokens (64), evalBatch
 * (64), cacheMb (1024), input (auto|features|tokens).
 */
import { InvalidArgumentError } from '@mneme/errors';
import { ParameterStore } from '@mneme/execution';
import type { Model } from '@mneme/graph';
import { buildBertEncoder, PREFIX_IO } from '@mneme/models';
import { Rng } from '@mneme/random';
import { int64FromInt32, tensor, type Tensor } from '@mneme/tensor';
import { classColumns, widenClassParam } from './class-columns.js';
import { argmaxRows, checkFeatures, checkLabels, noClass } from './classifier.js';
import { FrozenStates, packStates } from './frozen-states.js';
import { L2P_IO } from './l2p-graphs.js';
import { choice, computed, defineOptions, integer, needed, number, type OptionContext } from './option-schema.js';
import { buildPrefixGraph, PREFIX_GRAPH_IO } from './prefix-graphs.js';
import { fromBase64, toBase64 } from './gram-statistics.js';
import { fittedHead, type FittedHead } from './prompted-heads.js';
import { clipGlobalNorm, sparseUpdate } from './sparse-update.js';
import type { ExperienceInfo, LabelledBatch, PredictOptions, Strategy, StrategyContext, StrategyState } from './strategy.js';
import type { TextInputs } from './text-inputs.js';

/** Layers of the encoder a default range is scaled to (feature mode: a nominal 12). */
const depthOf = (ctx: OptionContext): number => ctx.text?.bert?.config.numHiddenLayers ?? 12;
/** The paper's layer `l` of 12, scaled to `depth` layers. */
const scaled = (l: number, depth: number): number => Math.round((l * depth) / 12);

/** DualPrompt's options (`--set key=value`). */
export const DUAL_PROMPT_OPTIONS = defineOptions('dual-prompt', {
  gStart: integer(0, { min: 0 }, 'first layer of the G-prompt'),
  gEnd: integer(
    computed('2 of 12 layers, scaled to the encoder', (ctx) => scaled(2, depthOf(ctx))),
    { min: 0 },
    'end (exclusive) of the G-prompt layers; gEnd = gStart: no G-prompt',
  ),
  eStart: integer(
    computed('gEnd', (_ctx, earlier) => earlier['gEnd'] as number),
    { min: 0 },
    'first layer of the E-prompts',
  ),
  eEnd: integer(
    computed('5 of 12 layers, scaled to the encoder (at least eStart + 1)', (ctx, earlier) => Math.max(scaled(5, depthOf(ctx)), (earlier['eStart'] as number) + 1)),
    { min: 1 },
    'end (exclusive) of the E-prompt layers',
  ),
  gLength: integer(5, { min: 1 }, 'prefix length of the G-prompt (keys and values each)'),
  eLength: integer(5, { min: 1 }, 'prefix length of each E-prompt (keys and values each)'),
  lambda: number(1, { min: 0 }, 'weight of the key-query pull (the reference code pulls with 1)'),
  head: choice(['linear', 'cosine', 'class-mean', 'ridge'], 'linear', 'trained linear or cosine head, or one fitted on prompted features after each experience'),
  projection: integer(2048, { min: 0 }, 'random features of the ridge head (0: ridge on the prompted features)'),
  scale: number(16, { min: 0, exclusiveMin: true }, 'cosine logit scale'),
  mask: choice(['current', 'seen'], 'current', "logits the training loss sees: the current experience's classes, or all seen"),
  shared: choice(['all', 'first'], 'all', 'experiences that train the G-prompt'),
  promptLr: number(
    computed('the learning rate', (ctx) => needed(ctx, 'learningRate', 'dual-prompt')),
    { min: 0, exclusiveMin: true },
    'learning rate of prompts and keys',
  ),
  initScale: number(1, { min: 0 }, 'prompts and keys start U(−s, s)'),
  maxTokens: integer(64, { min: 2 }, 'token cap per text ([CLS]/[SEP] included)'),
  evalBatch: integer(64, { min: 1 }, 'most rows per prediction run'),
  cacheMb: integer(1024, { min: 0 }, 'memory for the frozen layers’ states, in MiB'),
  input: choice(['auto', 'features', 'tokens'], 'auto', 'tokens needs a text benchmark; auto uses tokens when there is one'),
});

/** DualPrompt's options after defaults. */
export type DualPromptOptions = ReturnType<typeof DUAL_PROMPT_OPTIONS.read>;

/** Reads and validates DualPrompt's options (every problem at once). */
export function dualPromptOptions(ctx: StrategyContext): DualPromptOptions {
  const o = DUAL_PROMPT_OPTIONS.read(ctx.options, ctx);
  const problems: string[] = [];
  if (o.gEnd < o.gStart) problems.push(`dual-prompt: gEnd (${o.gEnd}) must not be below gStart (${o.gStart})`);
  if (o.eEnd <= o.eStart) problems.push(`dual-prompt: eEnd (${o.eEnd}) must be above eStart (${o.eStart})`);
  if (o.gEnd > o.gStart && o.eStart < o.gEnd && o.gStart < o.eEnd) problems.push(`dual-prompt: the G layers [${o.gStart}, ${o.gEnd}) and E layers [${o.eStart}, ${o.eEnd}) overlap`);
  if (o.input === 'tokens' && ctx.text === undefined) problems.push('dual-prompt: input=tokens needs a text benchmark (the context has no text inputs)');
  const tokenMode = ctx.text !== undefined && o.input !== 'features';
  if (tokenMode) {
    const depth = ctx.text.bert?.config.numHiddenLayers;
    if (depth === undefined) problems.push('dual-prompt: the encoder is not BERT-shaped (no architecture in the text inputs); use input=features');
    else if (Math.max(o.gEnd, o.eEnd) > depth) problems.push(`dual-prompt: layers up to ${Math.max(o.gEnd, o.eEnd) - 1} asked, the encoder has ${depth} (0–${depth - 1})`);
    if (ctx.text.hiddenSize !== ctx.classifier.inputSize) problems.push(`dual-prompt: the encoder's hidden size ${ctx.text.hiddenSize} differs from the feature size ${ctx.classifier.inputSize}; keys are matched to features`);
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return o;
}

/** JSON-safe bookkeeping. */
interface DualPromptData {
  /** E-prompts allocated (one per experience begun). */
  experts: number;
  /** The E-prompt trained now (the current experience's). */
  active: number;
  /** Experiences ended. */
  ended: number;
  currentClasses: number[];
  seen: number[];
  /** Classes per task id, and the E-prompt of each task id (task-incremental prediction). */
  taskClasses: Record<string, number[]>;
  taskExpert: Record<string, number>;
  /** The fitted head's bookkeeping. */
  head?: Record<string, unknown>;
  /** The current experience's samples not yet given to the fitted head (base64 float32 rows). */
  pending?: { ids: number[]; labels: number[]; features: string };
}

const G_PROMPT = 'dual-prompt.g';
const expertPrompt = (e: number) => `dual-prompt.e${e}.prompt`;
const expertKey = (e: number) => `dual-prompt.e${e}.key`;
const fittedParam = (name: string) => `dual-prompt.head/${name}`;
/** Salts of the seeded initialisation streams. */
const HEAD_SALT = 0x2d1;
const G_SALT = 0x2d2;
const E_SALT = 0x2d3;

/** The `dual-prompt` strategy (see the file comment). */
export function dualPrompt(ctx: StrategyContext): Strategy {
  const o = dualPromptOptions(ctx);
  const d = ctx.classifier.inputSize;
  let classes = ctx.classifier.classes;
  const text = ctx.text !== undefined && o.input !== 'features' ? (ctx.text as TextInputs & { bert: NonNullable<TextInputs['bert']> }) : undefined;
  const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
  const gLayers = range(o.gStart, o.gEnd);
  const eLayers = range(o.eStart, o.eEnd);
  const firstPrompted = Math.min(...gLayers, ...eLayers);
  const fitted = o.head === 'class-mean' || o.head === 'ridge';
  const trainedHead = fitted ? 'linear' : o.head;
  // Prompts shape [layers, 2 (key, value), length, hidden].
  const gSize = gLayers.length * 2 * o.gLength * d;
  const eSize = eLayers.length * 2 * o.eLength * d;
  const frozen = text === undefined ? undefined : new FrozenStates(ctx.executor, text, firstPrompted, o.cacheMb * 1024 * 1024);
  const prefixes = [...gLayers.map((layer) => ({ layer, length: o.gLength })), ...eLayers.map((layer) => ({ layer, length: o.eLength }))];
  const sliceModel = text === undefined ? undefined : buildBertEncoder(text.bert.config, text.bert.weights, { layers: [firstPrompted, text.bert.config.numHiddenLayers], prefix: prefixes });
  const graph = (objective: 'predict' | 'classify'): Model =>
    buildPrefixGraph({
      hidden: d,
      ...(sliceModel === undefined ? {} : { encoder: { model: sliceModel, pooledOutput: text!.pooled } }),
      prefixes,
      normalize: text?.normalize ?? false,
      objective,
      classes: objective === 'predict' && fitted ? 0 : classes,
      headKind: trainedHead,
      scale: o.scale,
      head: { weight: store.get(L2P_IO.headWeight).data, bias: trainedHead === 'linear' ? store.get(L2P_IO.headBias).data : new Float32Array(classes) },
    });
  let trainModel: Model | undefined;
  let predictModel: Model | undefined;
  const dropGraphs = (): void => {
    for (const m of [trainModel, predictModel]) if (m !== undefined) void ctx.executor.release?.(m).catch(() => undefined);
    trainModel = undefined;
    predictModel = undefined;
  };

  const uniform = (seed: number, n: number): Float32Array => {
    const rng = Rng.seeded(seed);
    return Float32Array.from({ length: n }, () => rng.uniform(-o.initScale, o.initScale));
  };
  const fresh = (): ParameterStore => {
    const s = new ParameterStore();
    const initial = classColumns(ctx.seed, HEAD_SALT, d, 0, classes);
    s.set(L2P_IO.headWeight, tensor('float32', [d, classes], initial.weight.slice()));
    if (trainedHead === 'linear') s.set(L2P_IO.headBias, tensor('float32', [classes], initial.bias.slice()));
    if (gSize > 0) s.set(G_PROMPT, tensor('float32', [gSize], uniform(ctx.seed ^ G_SALT, gSize)));
    return s;
  };
  let store = fresh();
  let head: FittedHead | undefined = fitted ? fittedHead(o.head as 'class-mean' | 'ridge', ctx, d, o.projection) : undefined;
  let data: DualPromptData = { experts: 0, active: -1, ended: 0, currentClasses: [], seen: [], taskClasses: {}, taskExpert: {} };
  /** Samples of the current experience by id (label, tokens), for the fitted head at its end. */
  let experienceSamples = new Map<number, { label: number; features: Float32Array }>();

  const headStore = (): ParameterStore => {
    const s = new ParameterStore();
    s.set(L2P_IO.headWeight, store.get(L2P_IO.headWeight));
    if (trainedHead === 'linear') s.set(L2P_IO.headBias, store.get(L2P_IO.headBias));
    return s;
  };

  /** Per-row prefix feeds: the G-prompt for every row, and each row's E-prompt. */
  const prefixFeeds = (experts: Int32Array): Record<string, Tensor> => {
    const rows = experts.length;
    const feeds: Record<string, Tensor> = {};
    const add = (layers: readonly number[], length: number, source: (row: number) => Float32Array) => {
      const per = 2 * length * d;
      layers.forEach((layer, li) => {
        const keys = new Float32Array(rows * length * d);
        const values = new Float32Array(rows * length * d);
        for (let r = 0; r < rows; r++) {
          const p = source(r);
          keys.set(p.subarray(li * per, li * per + length * d), r * length * d);
          values.set(p.subarray(li * per + length * d, (li + 1) * per), r * length * d);
        }
        feeds[PREFIX_IO.key(layer)] = tensor('float32', [rows, length, d], keys);
        feeds[PREFIX_IO.value(layer)] = tensor('float32', [rows, length, d], values);
      });
    };
    if (gSize > 0) {
      const g = store.get(G_PROMPT).data as Float32Array;
      add(gLayers, o.gLength, () => g);
    }
    add(eLayers, o.eLength, (r) => store.get(expertPrompt(experts[r]!)).data as Float32Array);
    return feeds;
  };

  /** Summed over rows: the gradient of one prompt laid out [layers, 2, length, hidden]. */
  const promptGradient = (grads: ReadonlyMap<string, { data: unknown }>, layers: readonly number[], length: number, rows: number): Float32Array => {
    const per = 2 * length * d;
    const out = new Float32Array(layers.length * per);
    layers.forEach((layer, li) => {
      for (const [part, name] of [[0, PREFIX_IO.key(layer)], [1, PREFIX_IO.value(layer)]] as const) {
        const g = grads.get(name)!.data as Float32Array;
        const at = li * per + part * length * d;
        for (let r = 0; r < rows; r++) for (let i = 0; i < length * d; i++) out[at + i]! += g[r * length * d + i]!;
      }
    });
    return out;
  };

  /** The states (token mode) or feature rows (feature mode) of `rows` samples, packed to `padded` rows. */
  const stateFeeds = async (features: Float32Array, tokens: readonly (readonly number[])[] | undefined, rows: readonly number[], padded: number, roundTo: number): Promise<Record<string, Tensor>> => {
    if (frozen === undefined || tokens === undefined) {
      const x = new Float32Array(padded * d);
      for (let i = 0; i < padded; i++) {
        const r = rows[i] ?? rows[0]!;
        x.set(features.subarray(r * d, (r + 1) * d), i * d);
      }
      return { [PREFIX_GRAPH_IO.states]: tensor('float32', [padded, d], x) };
    }
    const states = await frozen.states(rows.map((r) => truncate(tokens[r]!, o.maxTokens)));
    const longest = Math.max(...states.map((s) => s.length / d));
    const packed = packStates(states, padded, Math.ceil(longest / roundTo) * roundTo, d);
    return { [PREFIX_GRAPH_IO.states]: packed.states, [PREFIX_GRAPH_IO.mask]: packed.mask };
  };

  const allocateExpert = (): number => {
    const e = data.experts;
    store.set(expertPrompt(e), tensor('float32', [eSize], uniform(ctx.seed ^ E_SALT ^ (e * 0x9e3779b1), eSize)));
    store.set(expertKey(e), tensor('float32', [d], uniform(ctx.seed ^ E_SALT ^ (e * 0x9e3779b1) ^ 0x55, d)));
    data.experts += 1;
    return e;
  };

  const step = async (batch: LabelledBatch): Promise<void> => {
    const n = batch.labels.length;
    if (n === 0) return;
    if (data.active < 0) data.active = allocateExpert();
    const padded = Math.max(n, ctx.batchSize);
    const rows = [...Array(n).keys()];
    const tokens = text?.tokensOfIds(batch.ids);
    // Gradient graphs compile per shape: lengths round up to a multiple of 8 to compile only a few.
    const feeds = { ...(await stateFeeds(batch.features, tokens, rows, padded, 8)), ...prefixFeeds(new Int32Array(padded).fill(data.active)) };
    const allowed = o.mask === 'current' ? [...new Set([...data.currentClasses, ...batch.labels])] : [...new Set([...data.seen, ...batch.labels])];
    const bias = new Float32Array(classes).fill(-1e9);
    for (const c of allowed) bias[c] = 0;
    feeds[L2P_IO.labels] = tensor('int64', [padded], int64FromInt32(Int32Array.from({ length: padded }, (_, i) => batch.labels[i] ?? batch.labels[0]!)));
    feeds[L2P_IO.weights] = tensor('float32', [padded], Float32Array.from({ length: padded }, (_, i) => (i < n ? 1 / n : 0)));
    feeds[L2P_IO.logitBias] = tensor('float32', [classes], bias);
    trainModel ??= graph('classify');
    const trainG = gSize > 0 && (o.shared === 'all' || data.ended === 0);
    const prefixNames = (layers: readonly number[]) => layers.flatMap((l) => [PREFIX_IO.key(l), PREFIX_IO.value(l)]);
    const headNames = [L2P_IO.headWeight, ...(trainedHead === 'linear' ? [L2P_IO.headBias] : [])];
    const wrt = [...headNames, ...prefixNames(eLayers), ...(trainG ? prefixNames(gLayers) : [])];
    const result = await ctx.executor.lossAndGradients(trainModel, feeds, { loss: PREFIX_GRAPH_IO.loss, wrt, params: headStore() });
    const grads = new Map([...result.gradients].map(([k, v]) => [k, { data: v.data }]));
    const gw = result.gradients.get(L2P_IO.headWeight)!.data as Float32Array;
    const gb = trainedHead === 'linear' ? (result.gradients.get(L2P_IO.headBias)!.data as Float32Array) : undefined;
    const ge = promptGradient(grads, eLayers, o.eLength, n);
    const gg = trainG ? promptGradient(grads, gLayers, o.gLength, n) : undefined;
    const gk = keyPull(batch.features, n, store.get(expertKey(data.active)).data as Float32Array, o.lambda);
    clipGlobalNorm([gw, ...(gb === undefined ? [] : [gb]), ge, ...(gg === undefined ? [] : [gg]), gk], ctx.optimizer.clipGradNorm);
    store.step += 1;
    sparseUpdate(store, L2P_IO.headWeight, gw, ctx.optimizer, ctx.learningRate, store.step);
    if (gb !== undefined) sparseUpdate(store, L2P_IO.headBias, gb, ctx.optimizer, ctx.learningRate, store.step);
    sparseUpdate(store, expertPrompt(data.active), ge, ctx.optimizer, o.promptLr, store.step);
    if (o.lambda > 0) sparseUpdate(store, expertKey(data.active), gk, ctx.optimizer, o.promptLr, store.step);
    if (gg !== undefined) sparseUpdate(store, G_PROMPT, gg, ctx.optimizer, o.promptLr, store.step);
  };

  /** Per row, the E-prompt whose key is most cosine-similar to the row's query (its feature row). */
  const selectExperts = (features: Float32Array, taskId: number | undefined): Int32Array => {
    const n = features.length / d;
    if (taskId !== undefined && data.taskExpert[String(taskId)] !== undefined) return new Int32Array(n).fill(data.taskExpert[String(taskId)]!);
    const keys = Array.from({ length: data.experts }, (_, e) => unit(store.get(expertKey(e)).data as Float32Array));
    const out = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const q = features.subarray(r * d, (r + 1) * d);
      let best = -Infinity;
      keys.forEach((k, e) => {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[i]! * k[i]!;
        if (dot > best) [best, out[r]] = [dot, e];
      });
    }
    return out;
  };

  /** The prediction graph's output per row (`classes` logits, or `hidden` pooled features with a fitted head). */
  const run = async (features: Float32Array, tokens: PredictOptions['tokens'], experts: Int32Array): Promise<Float32Array> => {
    const n = features.length / d;
    predictModel ??= graph('predict');
    const output = fitted ? PREFIX_GRAPH_IO.pooled : L2P_IO.logits;
    const width = fitted ? d : classes;
    const out = new Float32Array(n * width);
    for (const rows of chunks(n, o.evalBatch, tokens)) {
      const feeds = { ...(await stateFeeds(features, tokens, rows, rows.length, 1)), ...prefixFeeds(Int32Array.from(rows, (r) => experts[r]!)) };
      // With a fitted head the prediction graph has no head parameters.
      const result = await ctx.executor.forward(predictModel, feeds, { ...(fitted ? {} : { params: headStore() }), fetches: [output] });
      const values = result[output]!.data as Float32Array;
      rows.forEach((r, i) => out.set(values.subarray(i * width, (i + 1) * width), r * width));
    }
    return out;
  };

  return {
    name: 'dual-prompt',
    beginExperience: (info: ExperienceInfo) => {
      data.currentClasses = [...info.classes];
      data.seen = [...new Set([...data.seen, ...info.classes])].sort((a, b) => a - b);
      data.active = allocateExpert();
      if (info.taskId !== undefined) {
        data.taskClasses[String(info.taskId)] = [...info.classes];
        data.taskExpert[String(info.taskId)] = data.active;
      }
      experienceSamples = new Map();
      return Promise.resolve();
    },
    growClasses: (count: number) => {
      if (count <= classes) return;
      const added = classColumns(ctx.seed, HEAD_SALT, d, classes, count);
      widenClassParam(store, L2P_IO.headWeight, d, count, added.weight);
      if (trainedHead === 'linear') widenClassParam(store, L2P_IO.headBias, 0, count, added.bias);
      head?.growClasses(count);
      classes = count;
      dropGraphs();
    },
    classCount: () => classes,
    learn: async (batch: LabelledBatch) => {
      checkFeatures(batch.features, d, batch.labels.length);
      checkLabels(batch.labels, classes);
      if (batch.ids.length !== batch.labels.length) throw new InvalidArgumentError(`${batch.ids.length} ids but ${batch.labels.length} labels`);
      if (head !== undefined) batch.ids.forEach((id, r) => experienceSamples.set(id, { label: batch.labels[r]!, features: batch.features.slice(r * d, (r + 1) * d) }));
      await step(batch);
    },
    endExperience: async (info: ExperienceInfo) => {
      if (head !== undefined && experienceSamples.size > 0 && data.active >= 0) {
        // The experience's distinct samples, through its own (now final) E-prompt.
        const ids = Int32Array.from(experienceSamples.keys());
        const labels = Int32Array.from(experienceSamples.values(), (s) => s.label);
        const features = new Float32Array(ids.length * d);
        [...experienceSamples.values()].forEach((s, r) => features.set(s.features, r * d));
        const tokens = text?.tokensOfIds(ids);
        const pooled = await run(features, tokens, new Int32Array(ids.length).fill(data.active));
        await head.add(pooled, labels, ids, info.index);
      }
      experienceSamples = new Map();
      data.ended += 1;
    },
    predict: async (features: Float32Array, options?: PredictOptions) => {
      const n = checkFeatures(features, d);
      if (options?.tokens !== undefined && options.tokens.length !== n) throw new InvalidArgumentError(`dual-prompt: ${options.tokens.length} token sequences for ${n} feature rows`);
      const allowed = options?.taskId === undefined ? (data.seen.length > 0 ? data.seen : undefined) : data.taskClasses[String(options.taskId)];
      if (classes === 0 || data.experts === 0) return noClass(n);
      const tokens = text === undefined ? undefined : (options?.tokens ?? text.tokensOfFeatures(features));
      const out = await run(features, tokens, selectExperts(features, options?.taskId));
      return head !== undefined ? head.predict(out, allowed) : argmaxRows(out, classes, allowed);
    },
    saveState: (): StrategyState => {
      const params = store.clone();
      const nested = head?.save();
      if (nested !== undefined) for (const name of nested.params.names()) params.set(fittedParam(name), nested.params.get(name));
      const rows = [...experienceSamples.values()];
      const features = new Float32Array(rows.length * d);
      rows.forEach((r, i) => features.set(r.features, i * d));
      const pending = { ids: [...experienceSamples.keys()], labels: rows.map((r) => r.label), features: toBase64(features) };
      return { params, data: structuredClone({ ...data, ...(nested === undefined ? {} : { head: nested.data, pending }) }) as unknown as Record<string, unknown> };
    },
    restoreState: (state: StrategyState) => {
      const restored = new ParameterStore();
      const headParams = new ParameterStore();
      for (const name of state.params.names()) {
        if (name.startsWith(fittedParam(''))) headParams.set(name.slice(fittedParam('').length), state.params.get(name));
        else restored.set(name, state.params.get(name));
      }
      const next = structuredClone(state.data) as unknown as DualPromptData;
      const missing = [...fresh().names(), ...Array.from({ length: next.experts }, (_, e) => [expertPrompt(e), expertKey(e)]).flat()].filter((n) => !restored.has(n));
      if (missing.length > 0) throw new InvalidArgumentError(`dual-prompt: the state lacks ${missing.join(', ')} (saved with other options?)`);
      restored.step = state.params.step;
      store = restored;
      classes = restored.get(L2P_IO.headWeight).shape[1]!;
      if (fitted) {
        head = fittedHead(o.head as 'class-mean' | 'ridge', { ...ctx, classifier: { ...ctx.classifier, classes } }, d, o.projection);
        if (next.head !== undefined) head.restore({ params: headParams, data: next.head });
      }
      dropGraphs();
      experienceSamples = new Map();
      if (next.pending !== undefined) {
        const rows = fromBase64(next.pending.features, Float32Array);
        next.pending.ids.forEach((id, i) => experienceSamples.set(id, { label: next.pending!.labels[i]!, features: rows.slice(i * d, (i + 1) * d) }));
      }
      const { pending: _pending, head: _head, ...rest } = next;
      data = rest;
    },
  };
}

/** d/dk of λ · mean over rows of (1 − cos(q, k)). */
function keyPull(queries: Float32Array, n: number, key: Float32Array, lambda: number): Float32Array {
  const d = key.length;
  const grad = new Float32Array(d);
  if (lambda === 0) return grad;
  const kn = Math.max(Math.hypot(...key), 1e-12);
  const k = Float32Array.from(key, (x) => x / kn);
  for (let r = 0; r < n; r++) {
    const q = unit(queries.subarray(r * d, (r + 1) * d));
    let c = 0;
    for (let i = 0; i < d; i++) c += q[i]! * k[i]!;
    for (let i = 0; i < d; i++) grad[i]! -= (lambda / n) * ((q[i]! - c * k[i]!) / kn);
  }
  return grad;
}

function unit(v: Float32Array): Float32Array {
  const norm = Math.max(Math.hypot(...v), 1e-12);
  return Float32Array.from(v, (x) => x / norm);
}

/** `[CLS] … [SEP]` capped at `max` ids, keeping the final `[SEP]`. */
function truncate(ids: readonly number[], max: number): readonly number[] {
  return ids.length <= max ? ids : [...ids.slice(0, max - 1), ids.at(-1)!];
}

/** Prediction runs of at most `size` rows, in token-length order when tokens are known. */
function chunks(n: number, size: number, tokens: readonly (readonly number[])[] | undefined): number[][] {
  const order = [...Array(n).keys()];
  if (tokens !== undefined) order.sort((a, b) => tokens[a]!.length - tokens[b]!.length || a - b);
  const out: number[][] = [];
  for (let start = 0; start < n; start += size) out.push(order.slice(start, start + size));
  return out;
}
