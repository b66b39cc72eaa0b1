/**
 * Learning to Prompt (L2P): Wang, Zhang, Lee, Zhang, Sun, Ren, Su, Perot, Dy & Pfister, "Learning to
 * Prompt for Continual Learning", CVPR 2022. A pool of M prompts (L token embeddings each) with one
 * learnable key each; the frozen encoder's pooled output of the raw input is the query, the N keys
 * most cosine-similar to it select the prompts that are prepended to the input's token embeddings,
 * and the frozen encoder runs on the prompted sequence. Prompts, keys and a linear head are trained
 * (cross-entropy on the current experience's logits — L2P's train mask — plus λ·Σ(1 − cos(q, k))
 * pulling the selected keys towards the query); the encoder never changes. Inference: select, then
 * forward. Optional diversity: during training, distances are multiplied by each prompt's
 * normalised selection frequency in earlier experiences (the paper's Section 4.2).
 *
 * Inputs. With {@link StrategyContext.text} (text benchmarks, text models in the services), token
 * mode: batch ids and predicted feature rows are mapped to their tokens (or predict takes them from
 * {@link PredictOptions.tokens}), embeddings come from the store's embeddings graph, the
 * prompted sequence runs through the inlined encoder and gradients reach prompts and keys as input
 * gradients. Without it (any feature benchmark, the conformance suite), feature mode — the
 * documented degenerate case: the encoder is the identity on a one-token sequence (the feature row),
 * so the pooled representation is the mean of the selected prompt tokens and the row. `size=0` is
 * the head-only baseline (no prompts; with `mask=seen`, an expanding head). Predictions range over
 * the classes seen so far (in task-incremental use, over the task's classes).
 *
 * Options (CLI `--set key=value`): size (M, 10), length (L, 5), select (N, 5), lambda (0.1),
 * diversity (off|on), mask (current|seen|none), pooling (sentence|prompt|input), head
 * (linear|cosine|class-mean|ridge: the last two fitted in closed form on the prompted features after
 * each experience, the prompts then trained through a linear head; prompted-heads.ts), projection
 * (the ridge head's random features, 2048), scale (cosine logit scale, 16), promptLr (the lr),
 * maxTokens (64), evalBatch (64), input (auto|features|tokens).
 */
import { InvalidArgumentError } from '@mneme/errors';
import { ParameterStore } from '@mneme/execution';
import type { Model } from '@mneme/graph';
import { ENCODER_IO } from '@mneme/models';
import { gatherRows, int64FromInt32, scatterRows, tensor, type Tensor } from '@mneme/tensor';
import { classColumns } from '../core/class-columns.js';
import { argmaxRows, checkFeatures, checkLabelledBatch, noClass } from '../core/classifier.js';
import { buildL2pGraph, L2P_IO, type L2pHead, type L2pPooling } from './l2p-graphs.js';
import { choice, computed, defineOptions, integer, needed, number } from '../option-schema.js';
import { initPromptPool, normalisedFrequency, POOL_PARAMS, scatterAddRows, selectPrompts } from './prompt-pool.js';
import { clipGlobalNormInPlace, sparseUpdate } from './sparse-update.js';
import type { ExperienceInfo, LabelledBatch, LearnStats, PredictOptions, Strategy, StrategyContext, StrategyState } from '../strategy.js';
import { BuiltGraphs } from './built-graphs.js';
import { FittedHeadSlot, fittedHeadDataOf, fittedHeadMemory, withoutFittedHead, type FittedHeadFields } from './fitted-head-slot.js';
import { noteExperienceClasses, predictionClasses, widenTrainedHead, type PromptClassState } from './prompt-classes.js';
import { fittedHead, type AnalyticHeadKind, type FittedHead } from './prompted-heads.js';
import type { TextInputs } from '../core/text-inputs.js';
import { lengthOrderedChunks, truncateIds } from './token-batches.js';

/** Which logits the training cross-entropy sees. */
export type L2pMask = 'current' | 'seen' | 'none';

/** L2P's options after defaults (see the file comment). */
export interface L2pOptions {
  /** Prompts in the pool, M; 0 = head only. @default 10 */
  readonly size: number;
  /** Token embeddings per prompt, L. @default 5 */
  readonly length: number;
  /** Prompts selected per input, N. @default 5 */
  readonly select: number;
  /** Weight λ of the key-query surrogate loss. @default 0.1 (the reference code's pull_constraint_coeff) */
  readonly lambda: number;
  /** Penalise prompts frequently chosen in earlier experiences (training only). @default false */
  readonly diversity: boolean;
  /** `current`: L2P's train mask (only the current experience's classes); `seen`: classes seen so far; `none`. @default 'current' */
  readonly mask: L2pMask;
  /** `sentence`: the encoder's pooling over prompts and tokens; `prompt`: mean of the prompt outputs; `input`: mean of the input tokens' outputs. @default 'sentence' */
  readonly pooling: L2pPooling;
  /**
   * `linear` head (L2P's), `cosine` (scaled cosine, no bias: no recency bias from row norms), or a
   * head fitted on the prompted features after each experience (`class-mean`, `ridge`).
   * @default 'linear'
   */
  readonly head: L2pHead | AnalyticHeadKind;
  /** Random features of the ridge head (0: ridge on the prompted features). @default 2048 */
  readonly projection: number;
  /** Logit scale of the cosine head. @default 16 */
  readonly scale: number;
  /** Learning rate of prompts and keys. @default the context's learning rate */
  readonly promptLr: number;
  /** Token cap per text (`[CLS]`/`[SEP]` included). @default 64 */
  readonly maxTokens: number;
  /** Most rows per prediction run. @default 64 */
  readonly evalBatch: number;
  /** `tokens` needs the context's text inputs; `auto` uses them when present. @default 'auto' */
  readonly input: 'auto' | 'features' | 'tokens';
}

/** L2P's defaults (M = 10, N = 5, L = 5). */
export const L2P_DEFAULTS = Object.freeze({ size: 10, length: 5, select: 5, lambda: 0.1, maxTokens: 64, evalBatch: 64 });

/** L2P's options (`--set key=value`); see {@link L2pOptions}. */
export const L2P_OPTIONS = defineOptions('l2p', {
  size: integer(L2P_DEFAULTS.size, { min: 0 }, 'prompts in the pool, M (0: head only)'),
  length: integer(L2P_DEFAULTS.length, { min: 1 }, 'token embeddings per prompt, L'),
  select: integer(
    computed(`${L2P_DEFAULTS.select}, at most max(size, 1)`, (_ctx, earlier) =>
      Math.min(L2P_DEFAULTS.select, Math.max(earlier['size'] as number, 1)),
    ),
    { min: 1 },
    'prompts selected per input, N (≤ size)',
  ),
  lambda: number(L2P_DEFAULTS.lambda, { min: 0 }, 'weight of the key-query surrogate loss'),
  diversity: choice(['off', 'on'], 'off', 'penalise prompts often chosen in earlier experiences (training only)'),
  mask: choice(['current', 'seen', 'none'], 'current', "logits the training loss sees: the current experience's classes, all seen, or all"),
  pooling: choice(
    ['sentence', 'prompt', 'input'],
    'sentence',
    "pooled representation: the encoder's pooling, prompt outputs, or input tokens' outputs",
  ),
  head: choice(
    ['linear', 'cosine', 'class-mean', 'ridge'],
    'linear',
    'linear head (L2P), scaled cosine head, or one fitted on prompted features after each experience',
  ),
  projection: integer(2048, { min: 0 }, 'random features of the ridge head (0: ridge on the prompted features)'),
  scale: number(16, { min: 0, exclusiveMin: true }, 'cosine logit scale'),
  promptLr: number(
    computed('the learning rate', (ctx) => needed(ctx, 'learningRate', 'l2p')),
    { min: 0, exclusiveMin: true },
    'learning rate of prompts and keys',
  ),
  maxTokens: integer(L2P_DEFAULTS.maxTokens, { min: 2 }, 'token cap per text ([CLS]/[SEP] included)'),
  evalBatch: integer(L2P_DEFAULTS.evalBatch, { min: 1 }, 'most rows per prediction run'),
  input: choice(['auto', 'features', 'tokens'], 'auto', 'tokens needs a text benchmark; auto uses tokens when there is one'),
});

/** Reads and validates L2P's options (every problem at once). */
export function l2pOptions(ctx: StrategyContext): L2pOptions {
  const read = L2P_OPTIONS.read(ctx.options, ctx);
  const size = read.size;
  const options: L2pOptions = { ...read, diversity: read.diversity === 'on' };
  const problems: string[] = [];
  if (size > 0 && options.select > size) problems.push(`l2p: option select (${options.select}) must not exceed size (${size})`);
  if (options.input === 'tokens' && ctx.text === undefined)
    problems.push('l2p: input=tokens needs a text benchmark (the context has no text inputs)');
  if (ctx.text !== undefined && options.input !== 'features' && ctx.text.hiddenSize !== ctx.classifier.inputSize) {
    problems.push(
      `l2p: the encoder's hidden size ${ctx.text.hiddenSize} differs from the feature size ${ctx.classifier.inputSize}; keys are matched to features`,
    );
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return options;
}

/** JSON-safe bookkeeping of an L2P learner. */
interface L2pData extends PromptClassState, FittedHeadFields {
  /** Selections per prompt over ended experiences (the diversity term's history). */
  counts: number[];
  /** Selections per prompt in the current experience. */
  current: number[];
  /** Experiences ended so far. */
  ended: number;
}

/** Salt of the head's per-class initialisation stream. */
const HEAD_SALT = 0x12b;
/** Names of the fitted head's parameters inside L2P's. */
const FITTED_PREFIX = 'l2p.fitted/';

/** Salt of the prompt pool's initialisation: the pool is drawn from `seed ^ L2P_POOL_SALT`. */
export const L2P_POOL_SALT = 0x12f;

/** The `l2p` strategy (see the file comment). */
export function l2p(ctx: StrategyContext): Strategy {
  const o = l2pOptions(ctx);
  const d = ctx.classifier.inputSize;
  let classes = ctx.classifier.classes;
  const text: TextInputs | undefined = o.size > 0 && o.input !== 'features' ? ctx.text : undefined;
  const fitted = o.head === 'class-mean' || o.head === 'ridge';
  // With a fitted head, prompts and keys train through a linear head (as L2P's) under the train mask.
  const trainedHead: L2pHead = o.head === 'cosine' ? 'cosine' : 'linear';
  const promptTokens = o.size > 0 ? o.select * o.length : 0;
  const graph = (objective: 'predict' | 'classify'): Model =>
    buildL2pGraph({
      hidden: d,
      promptTokens,
      selected: o.size > 0 ? o.select : 0,
      // Predictions run the forward-only encoder (fused kernels) when the inputs carry one.
      ...(text === undefined
        ? {}
        : {
            encoder: { model: objective === 'predict' ? (text.inferenceEncoder ?? text.encoder) : text.encoder, pooledOutput: text.pooled },
          }),
      pooling: o.pooling,
      headKind: trainedHead,
      scale: o.scale,
      normalize: text?.normalize ?? false,
      objective,
      classes,
      lambda: o.lambda,
      head: {
        weight: store.get(L2P_IO.headWeight).data,
        bias: trainedHead === 'linear' ? store.get(L2P_IO.headBias).data : new Float32Array(classes),
      },
    });
  // Both graphs bake the head's width: dropped when it grows or a state is restored.
  const graphs = new BuiltGraphs<'classify' | 'predict'>(ctx.executor, graph);

  const fresh = (): ParameterStore => {
    // Head columns are drawn per class, so the head can grow as classes arrive.
    const initialHead = classColumns(ctx.seed, HEAD_SALT, d, 0, classes);
    const s = new ParameterStore();
    if (o.size > 0) initPromptPool(s, { size: o.size, length: o.length, selected: o.select, dim: d }, ctx.seed ^ L2P_POOL_SALT);
    s.set(L2P_IO.headWeight, tensor('float32', [d, classes], initialHead.weight.slice()));
    // The cosine head has no bias: it scores by direction alone.
    if (trainedHead === 'linear') s.set(L2P_IO.headBias, tensor('float32', [classes], initialHead.bias.slice()));
    return s;
  };
  let store = fresh();
  let data: L2pData = {
    counts: new Array<number>(o.size).fill(0),
    current: new Array<number>(o.size).fill(0),
    ended: 0,
    currentClasses: [],
    seen: [],
    taskClasses: {},
  };
  const newHead = (): FittedHead =>
    fittedHead(o.head as AnalyticHeadKind, { ...ctx, classifier: { ...ctx.classifier, classes } }, d, o.projection);
  const head = fitted ? new FittedHeadSlot(newHead(), d, FITTED_PREFIX) : undefined;

  /** The head's parameters as a store the graphs read (the pool is fed as inputs instead). */
  const headStore = (): ParameterStore => {
    const s = new ParameterStore();
    s.set(L2P_IO.headWeight, store.get(L2P_IO.headWeight));
    if (trainedHead === 'linear') s.set(L2P_IO.headBias, store.get(L2P_IO.headBias));
    return s;
  };

  /** Feeds of the prompted forward for `rows` of a batch padded to `padded` rows (padding repeats row 0). */
  const inputFeeds = async (
    features: Float32Array,
    tokens: readonly (readonly number[])[] | undefined,
    rows: readonly number[],
    padded: number,
    training: boolean,
    frequency?: Float32Array,
  ): Promise<{ feeds: Record<string, Tensor>; selection: Int32Array }> => {
    const all = Array.from({ length: padded }, (_, i) => rows[i] ?? rows[0]!);
    const queries = gatherRows(features, d, all);
    const feeds: Record<string, Tensor> = {};
    let selection: Int32Array = new Int32Array(0);
    if (o.size > 0) {
      selection = selectPrompts(queries, store.get(POOL_PARAMS.keys).data, d, o.select, frequency);
      feeds[L2P_IO.prompts] = tensor(
        'float32',
        [padded, promptTokens, d],
        gatherRows(store.get(POOL_PARAMS.prompts).data, o.length * d, selection),
      );
      if (training && o.lambda > 0) {
        feeds[L2P_IO.query] = tensor('float32', [padded, d], queries);
        feeds[L2P_IO.keys] = tensor('float32', [padded, o.select, d], gatherRows(store.get(POOL_PARAMS.keys).data, d, selection));
      }
    }
    if (text === undefined || tokens === undefined) {
      feeds[L2P_IO.embeds] = tensor('float32', [padded, d], queries);
      return { feeds, selection };
    }
    const ids = all.map((r) => truncateIds(tokens[r]!, o.maxTokens));
    const longest = Math.max(...ids.map((x) => x.length));
    // Forward graphs keep symbolic dims (one session for every length); gradient graphs are compiled
    // per shape, so training rounds lengths up to a multiple of 8 to compile only a few.
    const t = training ? Math.ceil(longest / 8) * 8 : longest;
    const span = promptTokens + t;
    const idWords = new Int32Array(padded * t).fill(text.padId);
    const maskWords = new Int32Array(padded * span);
    ids.forEach((x, i) => {
      idWords.set(x, i * t);
      maskWords.fill(1, i * span, i * span + promptTokens + x.length);
    });
    const inputIds = int64FromInt32(idWords);
    const mask = int64FromInt32(maskWords);
    const out = await ctx.executor.forward(text.embeddings, {
      [ENCODER_IO.inputIds]: tensor('int64', [padded, t], inputIds),
      [ENCODER_IO.tokenTypeIds]: tensor('int64', [padded, t], new BigInt64Array(padded * t)),
    });
    feeds[L2P_IO.embeds] = out[ENCODER_IO.inputsEmbeds]!;
    feeds[L2P_IO.mask] = tensor('int64', [padded, promptTokens + t], mask);
    return { feeds, selection };
  };

  const trainableClasses = (labels: Int32Array): number[] => {
    if (o.mask === 'none') return [];
    const base = o.mask === 'current' ? data.currentClasses : data.seen;
    return [...new Set([...base, ...labels])];
  };

  /** One update on the batch; returns its loss before the update (undefined for an empty batch). */
  const step = async (features: Float32Array, labels: Int32Array, tokens: number[][] | undefined): Promise<number | undefined> => {
    const n = labels.length;
    if (n === 0) return undefined;
    const padded = Math.max(n, ctx.batchSize);
    const rows = [...Array(n).keys()];
    const frequency = o.diversity && o.size > 0 && data.ended > 0 ? normalisedFrequency(data.counts) : undefined;
    const { feeds, selection } = await inputFeeds(features, tokens, rows, padded, true, frequency);
    const allowed = trainableClasses(labels);
    const bias = new Float32Array(classes).fill(allowed.length === 0 ? 0 : -1e9);
    for (const c of allowed) bias[c] = 0;
    feeds[L2P_IO.labels] = tensor(
      'int64',
      [padded],
      int64FromInt32(Int32Array.from({ length: padded }, (_, i) => labels[i] ?? labels[0]!)),
    );
    feeds[L2P_IO.weights] = tensor(
      'float32',
      [padded],
      Float32Array.from({ length: padded }, (_, i) => (i < n ? 1 / n : 0)),
    );
    feeds[L2P_IO.logitBias] = tensor('float32', [classes], bias);
    const wrt = [
      L2P_IO.headWeight,
      ...(trainedHead === 'linear' ? [L2P_IO.headBias] : []),
      ...(o.size > 0 ? [L2P_IO.prompts] : []),
      ...(o.size > 0 && o.lambda > 0 ? [L2P_IO.keys] : []),
    ];
    const result = await ctx.executor.lossAndGradients(graphs.get('classify'), feeds, { loss: L2P_IO.loss, wrt, params: headStore() });
    // Fresh outputs of the run, owned here: clipped and applied in place, not copied.
    const grad = (name: string) => result.gradients.get(name)!.data as Float32Array;
    const gw = grad(L2P_IO.headWeight);
    const gb = trainedHead === 'linear' ? grad(L2P_IO.headBias) : undefined;
    let pool: { prompts: ReturnType<typeof scatterAddRows>; keys: ReturnType<typeof scatterAddRows> } | undefined;
    if (o.size > 0) {
      // Only the real rows' selections carry gradient (padding rows have weight 0) and count.
      const real = selection.subarray(0, n * o.select);
      pool = {
        prompts: scatterAddRows(grad(L2P_IO.prompts).subarray(0, n * promptTokens * d), o.length * d, real, o.size),
        keys:
          o.lambda > 0
            ? scatterAddRows(grad(L2P_IO.keys).subarray(0, n * o.select * d), d, real, o.size)
            : { grad: new Float32Array(o.size * d), touched: new Uint8Array(o.size) },
      };
      for (const m of real) data.current[m]! += 1;
    }
    clipGlobalNormInPlace(
      [gw, ...(gb === undefined ? [] : [gb]), ...(pool === undefined ? [] : [pool.prompts.grad, pool.keys.grad])],
      ctx.optimizer.clipGradNorm,
    );
    store.step += 1;
    sparseUpdate(store, L2P_IO.headWeight, gw, ctx.optimizer, ctx.learningRate, store.step);
    if (gb !== undefined) sparseUpdate(store, L2P_IO.headBias, gb, ctx.optimizer, ctx.learningRate, store.step);
    if (pool !== undefined) {
      sparseUpdate(store, POOL_PARAMS.prompts, pool.prompts.grad, ctx.optimizer, o.promptLr, store.step, {
        size: o.length * d,
        touched: pool.prompts.touched,
      });
      sparseUpdate(store, POOL_PARAMS.keys, pool.keys.grad, ctx.optimizer, o.promptLr, store.step, { size: d, touched: pool.keys.touched });
    }
    return result.loss;
  };

  /** The prediction graph's `output` per row: `classes` logits, or the `d`-wide pooled representation (a fitted head's input). */
  const outputs = async (
    features: Float32Array,
    given: PredictOptions['tokens'],
    output: typeof L2P_IO.logits | typeof L2P_IO.pooled,
  ): Promise<Float32Array> => {
    const n = checkFeatures(features, d);
    if (given !== undefined && given.length !== n)
      throw new InvalidArgumentError(`l2p: ${given.length} token sequences for ${n} feature rows`);
    // Tokens the caller passes win (the services have the texts); `mneme run` matches rows back.
    const tokens = text === undefined ? undefined : (given ?? text.tokensOfFeatures(features));
    const width = output === L2P_IO.logits ? classes : d;
    const out = new Float32Array(n * width);
    for (const rows of lengthOrderedChunks(n, o.evalBatch, tokens)) {
      const { feeds } = await inputFeeds(features, tokens, rows, rows.length, false);
      const result = await ctx.executor.forward(graphs.get('predict'), feeds, { params: headStore(), fetches: [output] });
      const values = result[output]!.data as Float32Array;
      scatterRows(out, width, rows, values);
    }
    return out;
  };

  return {
    name: 'l2p',
    beginExperience: (info: ExperienceInfo) => {
      noteExperienceClasses(data, info);
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
      const tokens = text === undefined ? undefined : text.tokensOfIds(batch.ids);
      head?.remember(batch);
      // A batch larger than the configured size runs whole (one more compiled shape).
      const loss = await step(batch.features, batch.labels, tokens);
      return loss === undefined ? undefined : { loss };
    },
    endExperience: async (info: ExperienceInfo) => {
      // The experience's distinct samples, through the pool as it ends the experience.
      await head?.fit((features, ids) => outputs(features, text?.tokensOfIds(ids), L2P_IO.pooled), info.index);
      data.counts = data.counts.map((c, m) => c + data.current[m]!);
      data.current = new Array<number>(o.size).fill(0);
      data.ended += 1;
    },
    predict: async (features: Float32Array, options?: PredictOptions) => {
      // Classes not seen yet were never trained (their logits are the random initial ones, and the
      // train mask keeps them so), so like an expanding head they cannot be predicted.
      const { task, allowed } = predictionClasses(data, options?.taskId);
      if (classes === 0) return noClass(checkFeatures(features, d));
      // A fitted head knows nothing before the first experience ends.
      if (head !== undefined)
        return data.ended === 0
          ? noClass(checkFeatures(features, d))
          : head.predict(await outputs(features, options?.tokens, L2P_IO.pooled), task);
      return argmaxRows(await outputs(features, options?.tokens, L2P_IO.logits), classes, allowed);
    },
    saveState: (): StrategyState => {
      const params = store.clone();
      const saved: L2pData = { ...data, ...head?.save(params) };
      return { params, data: structuredClone(saved) as unknown as Record<string, unknown> };
    },
    restoreState: (state: StrategyState) => {
      const missing = [...fresh().names()].filter((n) => !state.params.has(n));
      if (missing.length > 0) throw new InvalidArgumentError(`l2p: the state lacks ${missing.join(', ')} (saved with other options?)`);
      // The fitted head's parameters are nested under its prefix; the rest are the pool's and head's.
      const restored = withoutFittedHead(state.params, FITTED_PREFIX);
      store = restored;
      // The head's width is the saved class count.
      classes = restored.get(L2P_IO.headWeight).shape[1]!;
      graphs.drop();
      const next = structuredClone(state.data) as unknown as L2pData;
      head?.restore(newHead(), state.params, fittedHeadDataOf(next));
      const { head: _h, headStep: _s, pending: _p, ...own } = next;
      data = own;
    },
    ...fittedHeadMemory(head),
  };
}
