/**
 * What every prefix-prompt strategy (DualPrompt, CODA-Prompt) shares: a frozen encoder whose chosen
 * layers attend to prompt prefixes, states of the frozen layers below them cached per text, a head
 * (trained, or fitted in closed form on the prompted features after each experience), the training
 * step, prediction, and save/restore. A strategy supplies only its {@link PromptSource}: which
 * parameters make the prefixes, how a row's prefixes are formed from its query, and which of them
 * an experience trains.
 */
import { InvalidArgumentError } from '@mneme/errors';
import { ParameterStore } from '@mneme/execution';
import type { GraphBuilder, Model } from '@mneme/graph';
import { buildBertEncoder } from '@mneme/models';
import { gatherRows, int64FromInt32, tensor, type Tensor } from '@mneme/tensor';
import { classColumns } from '../core/class-columns.js';
import { argmaxRows, checkFeatures, checkLabelledBatch, noClass } from '../core/classifier.js';
import { FrozenStates, packStates } from './frozen-states.js';
import { toBase64 } from '../heads/gram-statistics.js';
import { L2P_IO } from './l2p-graphs.js';
import { choice, computed, integer, needed, number } from '../option-schema.js';
import { buildPrefixGraph, PREFIX_GRAPH_IO } from './prefix-graphs.js';
import { FittedHeadSlot, fittedHeadDataOf, fittedHeadMemory, withoutFittedHead, type FittedHeadFields } from './fitted-head-slot.js';
import { noteExperienceClasses, predictionClasses, widenTrainedHead, type PromptClassState } from './prompt-classes.js';
import { fittedHead, type FittedHead } from './prompted-heads.js';
import { clipGlobalNormInPlace, sparseUpdate, type TouchedRows } from './sparse-update.js';
import type { ExperienceInfo, LabelledBatch, LearnStats, PredictOptions, Strategy, StrategyContext, StrategyState } from '../strategy.js';
import { BuiltGraphs } from './built-graphs.js';
import type { TextInputs } from '../core/text-inputs.js';
import { lengthOrderedChunks, truncateIds } from './token-batches.js';

/** The options every prefix strategy reads (spread into its schema). */
export const PREFIX_LEARNER_OPTION_SPECS = {
  head: choice(
    ['linear', 'cosine', 'class-mean', 'ridge'],
    'linear',
    'trained linear or cosine head, or one fitted on prompted features after each experience',
  ),
  projection: integer(2048, { min: 0 }, 'random features of the ridge head (0: ridge on the prompted features)'),
  headInput: choice(
    ['prompted', 'both'],
    'prompted',
    "what a fitted head sees: the prompted features, or them beside the frozen encoder's",
  ),
  scale: number(16, { min: 0, exclusiveMin: true }, 'cosine logit scale'),
  mask: choice(['current', 'seen'], 'current', "logits the training loss sees: the current experience's classes, or all seen"),
  promptLr: number(
    computed('the learning rate', (ctx) => needed(ctx, 'learningRate', 'prompts')),
    { min: 0, exclusiveMin: true },
    'learning rate of prompts and keys',
  ),
  maxTokens: integer(64, { min: 2 }, 'token cap per text ([CLS]/[SEP] included)'),
  evalBatch: integer(64, { min: 1 }, 'most rows per prediction run'),
  cacheMb: integer(1024, { min: 0 }, "memory for the frozen layers' states, in MiB"),
  input: choice(['auto', 'features', 'tokens'], 'auto', 'tokens needs a text benchmark; auto uses tokens when there is one'),
} as const;

/** The shared options after defaults. */
export interface PrefixLearnerOptions {
  readonly head: 'linear' | 'cosine' | 'class-mean' | 'ridge';
  readonly projection: number;
  readonly headInput: 'prompted' | 'both';
  readonly scale: number;
  readonly mask: 'current' | 'seen';
  readonly promptLr: number;
  readonly maxTokens: number;
  readonly evalBatch: number;
  readonly cacheMb: number;
  readonly input: 'auto' | 'features' | 'tokens';
}

/** A parameter's gradient for the optimizer, with the rows it may move (all when absent). */
export interface ParameterGradient {
  readonly grad: Float32Array;
  readonly rows?: TouchedRows;
  /** Learning rate: the prompts' (default) or the head's. */
  readonly lr?: number;
}

/** Where a strategy's prefixes come from. */
export interface PromptSource {
  /** Prefixed layers and their prefix lengths. */
  readonly prefixes: readonly { readonly layer: number; readonly length: number }[];
  /** Adds the source's parameters to a fresh store. */
  init(store: ParameterStore): void;
  /** Called at each experience start (allocate the experience's prompts). */
  beginExperience(store: ParameterStore, info: ExperienceInfo): void;
  /** Appends the graph part that forms the prefixes from the source's own inputs; returns each prefix input's value. */
  appendPrefixes(b: GraphBuilder): ReadonlyMap<string, string>;
  /** The source's feeds for `queries` (`rows × hidden`): in training, the current experience's prompts; else chosen per row. */
  feeds(store: ParameterStore, queries: Float32Array, training: boolean, taskId?: number): Record<string, Tensor>;
  /** Graph inputs to differentiate in a training step. */
  wrt(): readonly string[];
  /** Parameter gradients from the step's input gradients (`n` real rows of `queries`). */
  gradients(
    store: ParameterStore,
    grads: ReadonlyMap<string, Tensor>,
    queries: Float32Array,
    n: number,
  ): ReadonlyMap<string, ParameterGradient>;
  /** Called at each experience end. */
  endExperience(): void;
  /** JSON-safe bookkeeping, and its restore. */
  save(): Record<string, unknown>;
  restore(data: Record<string, unknown>, store: ParameterStore): void;
  /** Parameters a state must hold, given the source's saved bookkeeping (read, not restored). */
  requiredParams(data: Record<string, unknown>): readonly string[];
}

/** JSON-safe bookkeeping of the learner. */
interface LearnerData extends PromptClassState, FittedHeadFields {
  ended: number;
  source?: Record<string, unknown>;
}

const HEAD_SALT = 0x2d1;
/** Most prompted feature rows kept between prompt changes (about 150 MB at 384 wide). */
const MAX_CACHED_FEATURES = 100_000;
const fittedParam = (name: string) => `prompts.head/${name}`;

/** Checks shared to every prefix strategy: token mode needs a BERT-shaped encoder as wide as the features, holding the layers asked. */
export function prefixSetupProblems(
  name: string,
  ctx: StrategyContext,
  o: Pick<PrefixLearnerOptions, 'input'>,
  highestLayer: number,
): string[] {
  const problems: string[] = [];
  if (o.input === 'tokens' && ctx.text === undefined)
    problems.push(`${name}: input=tokens needs a text benchmark (the context has no text inputs)`);
  if (ctx.text !== undefined && o.input !== 'features') {
    const depth = ctx.text.bert?.config.numHiddenLayers;
    if (depth === undefined)
      problems.push(`${name}: the encoder is not BERT-shaped (no architecture in the text inputs); use input=features`);
    else if (highestLayer >= depth) problems.push(`${name}: layers up to ${highestLayer} asked, the encoder has ${depth} (0–${depth - 1})`);
    if (ctx.text.hiddenSize !== ctx.classifier.inputSize)
      problems.push(
        `${name}: the encoder's hidden size ${ctx.text.hiddenSize} differs from the feature size ${ctx.classifier.inputSize}; keys are matched to features`,
      );
  }
  return problems;
}

/** A prefix-prompt strategy named `name` over `source` (see the file comment). */
export function prefixPromptStrategy(name: string, ctx: StrategyContext, o: PrefixLearnerOptions, source: PromptSource): Strategy {
  const d = ctx.classifier.inputSize;
  let classes = ctx.classifier.classes;
  const text =
    ctx.text !== undefined && o.input !== 'features' ? (ctx.text as TextInputs & { bert: NonNullable<TextInputs['bert']> }) : undefined;
  const fitted = o.head === 'class-mean' || o.head === 'ridge';
  // With a fitted head, prompts train through a linear head under the train mask.
  const trainedHead = o.head === 'cosine' ? 'cosine' : 'linear';
  const firstPrompted = Math.min(...source.prefixes.map((p) => p.layer));
  const frozen = text === undefined ? undefined : new FrozenStates(ctx.executor, text, firstPrompted, o.cacheMb * 1024 * 1024);
  const slice =
    text === undefined
      ? undefined
      : buildBertEncoder(text.bert.config, text.bert.weights, {
          layers: [firstPrompted, text.bert.config.numHiddenLayers],
          prefix: source.prefixes,
        });
  const graph = (objective: 'predict' | 'classify'): Model =>
    buildPrefixGraph({
      hidden: d,
      ...(slice === undefined ? {} : { encoder: { model: slice, pooledOutput: text!.pooled } }),
      prefixes: source.prefixes,
      appendPrefixes: (b) => source.appendPrefixes(b),
      normalize: text?.normalize ?? false,
      objective,
      classes: objective === 'predict' && fitted ? 0 : classes,
      headKind: trainedHead,
      scale: o.scale,
      head: {
        weight: store.get(L2P_IO.headWeight).data,
        bias: trainedHead === 'linear' ? store.get(L2P_IO.headBias).data : new Float32Array(classes),
      },
    });
  // Both graphs bake the head's width: dropped when it grows or a state is restored.
  const graphs = new BuiltGraphs<'classify' | 'predict'>(ctx.executor, graph);

  const fresh = (): ParameterStore => {
    const s = new ParameterStore();
    const initial = classColumns(ctx.seed, HEAD_SALT, d, 0, classes);
    s.set(L2P_IO.headWeight, tensor('float32', [d, classes], initial.weight.slice()));
    if (trainedHead === 'linear') s.set(L2P_IO.headBias, tensor('float32', [classes], initial.bias.slice()));
    source.init(s);
    return s;
  };
  let store = fresh();
  // A fitted head sees the prompted features, or them beside the frozen ones (the queries).
  const headWidth = o.headInput === 'both' ? 2 * d : d;
  const headRows = (pooled: Float32Array, queries: Float32Array): Float32Array => {
    if (o.headInput === 'prompted') return pooled;
    const n = pooled.length / d;
    const out = new Float32Array(n * 2 * d);
    for (let r = 0; r < n; r++) {
      out.set(queries.subarray(r * d, (r + 1) * d), r * 2 * d);
      out.set(pooled.subarray(r * d, (r + 1) * d), r * 2 * d + d);
    }
    return out;
  };
  const newHead = (): FittedHead | undefined =>
    fitted ? fittedHead(o.head, { ...ctx, classifier: { ...ctx.classifier, classes } }, headWidth, o.projection) : undefined;
  const head = fitted ? new FittedHeadSlot(newHead()!, d, fittedParam('')) : undefined;
  let data: LearnerData = { ended: 0, currentClasses: [], seen: [], taskClasses: {} };

  const headStore = (): ParameterStore => {
    const s = new ParameterStore();
    s.set(L2P_IO.headWeight, store.get(L2P_IO.headWeight));
    if (trainedHead === 'linear') s.set(L2P_IO.headBias, store.get(L2P_IO.headBias));
    return s;
  };

  /** `rows` of `features` (the queries) packed to `padded` rows, filler rows repeating the first. */
  const queriesOf = (features: Float32Array, rows: readonly number[], padded: number): Float32Array => {
    return gatherRows(
      features,
      d,
      Array.from({ length: padded }, (_, i) => rows[i] ?? rows[0]!),
    );
  };

  /** The states (token mode) or feature rows (feature mode) of `rows`, packed to `padded` rows. */
  const stateFeeds = async (
    queries: Float32Array,
    tokens: readonly (readonly number[])[] | undefined,
    rows: readonly number[],
    padded: number,
    roundTo: number,
  ): Promise<Record<string, Tensor>> => {
    if (frozen === undefined || tokens === undefined) return { [PREFIX_GRAPH_IO.states]: tensor('float32', [padded, d], queries) };
    const states = await frozen.states(rows.map((r) => truncateIds(tokens[r]!, o.maxTokens)));
    const longest = Math.max(...states.map((s) => s.length / d));
    const packed = packStates(states, padded, Math.ceil(longest / roundTo) * roundTo, d);
    return { [PREFIX_GRAPH_IO.states]: packed.states, [PREFIX_GRAPH_IO.mask]: packed.mask };
  };

  /** One update on the batch; returns its loss before the update (undefined when nothing is trained by gradient). */
  const step = async (batch: LabelledBatch): Promise<number | undefined> => {
    const n = batch.labels.length;
    // Frozen prompts and a fitted head: nothing here is trained by gradient.
    if (n === 0 || (fitted && source.wrt().length === 0)) return undefined;
    const padded = Math.max(n, ctx.batchSize);
    const rows = [...Array(n).keys()];
    const queries = queriesOf(batch.features, rows, padded);
    const tokens = text?.tokensOfIds(batch.ids);
    // Gradient graphs compile per shape: lengths round up to a multiple of 8 to compile only a few.
    const feeds = { ...(await stateFeeds(queries, tokens, rows, padded, 8)), ...source.feeds(store, queries, true) };
    const allowed = new Set([...(o.mask === 'current' ? data.currentClasses : data.seen), ...batch.labels]);
    const bias = new Float32Array(classes).fill(-1e9);
    for (const c of allowed) bias[c] = 0;
    feeds[L2P_IO.labels] = tensor(
      'int64',
      [padded],
      int64FromInt32(Int32Array.from({ length: padded }, (_, i) => batch.labels[i] ?? batch.labels[0]!)),
    );
    feeds[L2P_IO.weights] = tensor(
      'float32',
      [padded],
      Float32Array.from({ length: padded }, (_, i) => (i < n ? 1 / n : 0)),
    );
    feeds[L2P_IO.logitBias] = tensor('float32', [classes], bias);
    const headNames = [L2P_IO.headWeight, ...(trainedHead === 'linear' ? [L2P_IO.headBias] : [])];
    const result = await ctx.executor.lossAndGradients(graphs.get('classify'), feeds, {
      loss: PREFIX_GRAPH_IO.loss,
      wrt: [...headNames, ...source.wrt()],
      params: headStore(),
    });
    const updates = new Map<string, ParameterGradient>(
      headNames.map((h) => [h, { grad: result.gradients.get(h)!.data as Float32Array, lr: ctx.learningRate }]),
    );
    for (const [param, g] of source.gradients(store, result.gradients, queries, n)) updates.set(param, g);
    clipGlobalNormInPlace(
      [...updates.values()].map((u) => u.grad),
      ctx.optimizer.clipGradNorm,
    );
    store.step += 1;
    for (const [param, u] of updates) sparseUpdate(store, param, u.grad, ctx.optimizer, u.lr ?? o.promptLr, store.step, u.rows);
    if (source.wrt().length > 0) promptsChanged();
    return result.loss;
  };

  /** The prediction graph's output per row (`classes` logits, or `hidden` pooled features with a fitted head). */
  /**
   * Prompted features by input while the prompts stay as they are: a frozen encoder and frozen
   * prompts give a text the same features every time, so evaluations after the prompts stopped
   * training (`shared=first`, old components) run each text once. Cleared whenever a prompt moves.
   */
  let pooledCache = new Map<string, Float32Array>();
  const promptsChanged = (): void => {
    if (pooledCache.size > 0) pooledCache = new Map();
  };
  const sourceSize = (): number => [...store.names()].reduce((sum, n) => sum + store.get(n).data.length, 0);

  /** The prediction graph's output per row (`classes` logits, or `hidden` pooled features with a fitted head). */
  const run = async (
    features: Float32Array,
    tokens: PredictOptions['tokens'],
    mode: string,
    sourceFeeds: (queries: Float32Array) => Record<string, Tensor>,
  ): Promise<Float32Array> => {
    const n = features.length / d;
    const output = fitted ? PREFIX_GRAPH_IO.pooled : L2P_IO.logits;
    const width = fitted ? d : classes;
    const out = new Float32Array(n * width);
    // Only the fitted head's features are kept: a trained head moves every step.
    const keys = fitted
      ? Array.from(
          { length: n },
          (_, r) => `${mode}|${tokens === undefined ? toBase64(features.subarray(r * d, (r + 1) * d)) : tokens[r]!.join(',')}`,
        )
      : undefined;
    const todo: number[] = [];
    for (let r = 0; r < n; r++) {
      const hit = keys === undefined ? undefined : pooledCache.get(keys[r]!);
      if (hit === undefined) todo.push(r);
      else out.set(hit, r * width);
    }
    const order = lengthOrderedChunks(todo.length, o.evalBatch, tokens === undefined ? undefined : todo.map((r) => tokens[r]!));
    for (const chunk of order) {
      const rows = chunk.map((i) => todo[i]!);
      const queries = queriesOf(features, rows, rows.length);
      const feeds = { ...(await stateFeeds(queries, tokens, rows, rows.length, 1)), ...sourceFeeds(queries) };
      // With a fitted head the prediction graph has no head parameters.
      const result = await ctx.executor.forward(graphs.get('predict'), feeds, {
        ...(fitted ? {} : { params: headStore() }),
        fetches: [output],
      });
      const values = result[output]!.data as Float32Array;
      rows.forEach((r, i) => {
        const row = values.slice(i * width, (i + 1) * width);
        out.set(row, r * width);
        if (keys !== undefined && pooledCache.size < MAX_CACHED_FEATURES) pooledCache.set(keys[r]!, row);
      });
    }
    return out;
  };

  return {
    name,
    beginExperience: (info: ExperienceInfo) => {
      noteExperienceClasses(data, info);
      // Graphs keep the source's sizes symbolic (a grown pool needs no new graph).
      const before = sourceSize();
      source.beginExperience(store, info);
      // New prompts (an E-prompt, more components) change what inputs are given.
      if (sourceSize() !== before) promptsChanged();
      head?.dropWaiting();
      return Promise.resolve();
    },
    growClasses: (count: number) => {
      if (count <= classes) return;
      widenTrainedHead(store, trainedHead === 'linear', ctx.seed, HEAD_SALT, d, classes, count);
      head?.growClasses(count);
      classes = count;
      graphs.drop();
    },
    classCount: () => classes,
    learn: async (batch: LabelledBatch): Promise<LearnStats | undefined> => {
      checkLabelledBatch(batch, { inputSize: d, classes });
      head?.remember(batch);
      const loss = await step(batch);
      return loss === undefined ? undefined : { loss };
    },
    endExperience: async (info: ExperienceInfo) => {
      // The experience's distinct samples, through its (now final) prompts as in training.
      await head?.fit(
        async (features, ids) =>
          headRows(await run(features, text?.tokensOfIds(ids), 'train', (q) => source.feeds(store, q, true)), features),
        info.index,
      );
      source.endExperience();
      data.ended += 1;
    },
    predict: async (features: Float32Array, options?: PredictOptions) => {
      const n = checkFeatures(features, d);
      if (options?.tokens !== undefined && options.tokens.length !== n)
        throw new InvalidArgumentError(`${name}: ${options.tokens.length} token sequences for ${n} feature rows`);
      const { task, allowed } = predictionClasses(data, options?.taskId);
      // A fitted head knows nothing before the first experience ends.
      if (classes === 0 || data.seen.length === 0 || (head !== undefined && data.ended === 0)) return noClass(n);
      const tokens = text === undefined ? undefined : (options?.tokens ?? text.tokensOfFeatures(features));
      const out = await run(features, tokens, `task ${options?.taskId ?? ''}`, (q) => source.feeds(store, q, false, options?.taskId));
      return head !== undefined ? head.predict(headRows(out, features), task) : argmaxRows(out, classes, allowed);
    },
    saveState: (): StrategyState => {
      const params = store.clone();
      const saved: LearnerData = { ...data, source: source.save(), ...head?.save(params) };
      return { params, data: structuredClone(saved) as unknown as Record<string, unknown> };
    },
    restoreState: (state: StrategyState) => {
      const next = structuredClone(state.data) as unknown as LearnerData;
      // Checked before anything changes: a state saved with other options is refused whole.
      const missing = [...fresh().names(), ...source.requiredParams(next.source ?? {})].filter((p) => !state.params.has(p));
      if (missing.length > 0) throw new InvalidArgumentError(`${name}: the state lacks ${missing.join(', ')} (saved with other options?)`);
      // The fitted head's parameters are nested under its prefix; the rest are the learner's.
      const restored = withoutFittedHead(state.params, fittedParam(''));
      source.restore(next.source ?? {}, restored);
      store = restored;
      classes = restored.get(L2P_IO.headWeight).shape[1]!;
      head?.restore(newHead()!, state.params, fittedHeadDataOf(next));
      graphs.drop();
      promptsChanged();
      data = { ended: next.ended, currentClasses: next.currentClasses, seen: next.seen, taskClasses: next.taskClasses };
    },
    ...fittedHeadMemory(head),
  };
}

/** `v / ‖v‖`. */
export function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const norm = Math.max(Math.sqrt(s), 1e-12);
  return Float32Array.from(v, (x) => x / norm);
}

/**
 * The rows' prefix feeds from per-row prompts laid out [layers, 2 (key, value), length, hidden]:
 * `prompt(r)` is row r's prompt for `layers`.
 */
export function prefixFeedsOf(
  layers: readonly number[],
  length: number,
  hidden: number,
  rows: number,
  prompt: (row: number) => Float32Array,
  keyName: (l: number) => string,
  valueName: (l: number) => string,
): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  const per = 2 * length * hidden;
  layers.forEach((layer, li) => {
    const keys = new Float32Array(rows * length * hidden);
    const values = new Float32Array(rows * length * hidden);
    for (let r = 0; r < rows; r++) {
      const p = prompt(r);
      keys.set(p.subarray(li * per, li * per + length * hidden), r * length * hidden);
      values.set(p.subarray(li * per + length * hidden, (li + 1) * per), r * length * hidden);
    }
    feeds[keyName(layer)] = tensor('float32', [rows, length, hidden], keys);
    feeds[valueName(layer)] = tensor('float32', [rows, length, hidden], values);
  });
  return feeds;
}

/** The inverse of {@link prefixFeedsOf} for gradients: summed over the first `rows` rows, laid out as the prompt. */
export function promptGradientOf(
  grads: ReadonlyMap<string, Tensor>,
  layers: readonly number[],
  length: number,
  hidden: number,
  rows: number,
  keyName: (l: number) => string,
  valueName: (l: number) => string,
): Float32Array {
  const per = 2 * length * hidden;
  const out = new Float32Array(layers.length * per);
  layers.forEach((layer, li) => {
    for (const [part, input] of [
      [0, keyName(layer)],
      [1, valueName(layer)],
    ] as const) {
      const g = grads.get(input)!.data as Float32Array;
      const at = li * per + part * length * hidden;
      for (let r = 0; r < rows; r++) for (let i = 0; i < length * hidden; i++) out[at + i]! += g[r * length * hidden + i]!;
    }
  });
  return out;
}
