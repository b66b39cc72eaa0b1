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
import type { ParameterStore } from '@mneme/execution';
import { type GraphBuilder } from '@mneme/graph';
import { PREFIX_IO } from '@mneme/models';
import { Rng } from '@mneme/random';
import { tensor, type Tensor } from '@mneme/tensor';
import { choice, computed, defineOptions, integer, number, type OptionContext } from '../option-schema.js';
import {
  PREFIX_LEARNER_OPTION_SPECS,
  prefixFeedsOf,
  prefixPromptStrategy,
  prefixSetupProblems,
  promptGradientOf,
  unit,
  type ParameterGradient,
  type PromptSource,
} from './prefix-learner.js';
import type { ExperienceInfo, Strategy, StrategyContext } from '../strategy.js';

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
    computed('5 of 12 layers, scaled to the encoder (at least eStart + 1)', (ctx, earlier) =>
      Math.max(scaled(5, depthOf(ctx)), (earlier['eStart'] as number) + 1),
    ),
    { min: 0 },
    'end (exclusive) of the E-prompt layers; eEnd = eStart: no E-prompts (the G-prompt alone)',
  ),
  gLength: integer(5, { min: 1 }, 'prefix length of the G-prompt (keys and values each)'),
  eLength: integer(5, { min: 1 }, 'prefix length of each E-prompt (keys and values each)'),
  lambda: number(1, { min: 0 }, 'weight of the key-query pull (the reference code pulls with 1)'),
  shared: choice(['all', 'first'], 'all', 'experiences that train the G-prompt'),
  initScale: number(1, { min: 0 }, 'prompts and keys start U(−s, s)'),
  ...PREFIX_LEARNER_OPTION_SPECS,
});

/** DualPrompt's options after defaults. */
export type DualPromptOptions = ReturnType<typeof DUAL_PROMPT_OPTIONS.read>;

/** Reads and validates DualPrompt's options (every problem at once). */
export function dualPromptOptions(ctx: StrategyContext): DualPromptOptions {
  const o = DUAL_PROMPT_OPTIONS.read(ctx.options, ctx);
  const problems: string[] = [];
  if (o.gEnd < o.gStart) problems.push(`dual-prompt: gEnd (${o.gEnd}) must not be below gStart (${o.gStart})`);
  if (o.eEnd < o.eStart) problems.push(`dual-prompt: eEnd (${o.eEnd}) must not be below eStart (${o.eStart})`);
  if (o.gEnd === o.gStart && o.eEnd === o.eStart) problems.push('dual-prompt: no prompt layers (gEnd = gStart and eEnd = eStart)');
  if (o.gEnd > o.gStart && o.eEnd > o.eStart && o.eStart < o.gEnd && o.gStart < o.eEnd)
    problems.push(`dual-prompt: the G layers [${o.gStart}, ${o.gEnd}) and E layers [${o.eStart}, ${o.eEnd}) overlap`);
  problems.push(...prefixSetupProblems('dual-prompt', ctx, o, Math.max(o.gEnd, o.eEnd) - 1));
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return o;
}

/** DualPrompt's parameter names: the G-prompt and each E-prompt with its key (laid out [layers, 2, length, hidden]). */
export const DUAL_PROMPT_PARAMS = Object.freeze({
  g: 'dual-prompt.g',
  expertPrompt: (e: number) => `dual-prompt.e${e}.prompt`,
  expertKey: (e: number) => `dual-prompt.e${e}.key`,
});
const G_PROMPT = DUAL_PROMPT_PARAMS.g;
const expertPrompt = DUAL_PROMPT_PARAMS.expertPrompt;
const expertKey = DUAL_PROMPT_PARAMS.expertKey;
/** Salts of the seeded initialisation streams. */
const G_SALT = 0x2d2;
const E_SALT = 0x2d3;

/** The `dual-prompt` strategy (see the file comment). */
export function dualPrompt(ctx: StrategyContext): Strategy {
  const o = dualPromptOptions(ctx);
  return prefixPromptStrategy('dual-prompt', ctx, o, new DualPromptSource(o, ctx.classifier.inputSize, ctx.seed));
}

/** G- and E-prompts as a {@link PromptSource}. */
class DualPromptSource implements PromptSource {
  readonly prefixes: readonly { layer: number; length: number }[];
  private readonly gLayers: number[];
  private readonly eLayers: number[];
  private readonly gSize: number;
  private readonly eSize: number;
  /** E-prompts allocated (one per experience begun), the one trained now, experiences ended, E-prompt per task id. */
  private state = { experts: 0, active: -1, ended: 0, taskExpert: {} as Record<string, number> };

  constructor(
    private readonly o: DualPromptOptions,
    private readonly d: number,
    private readonly seed: number,
  ) {
    const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
    this.gLayers = range(o.gStart, o.gEnd);
    this.eLayers = range(o.eStart, o.eEnd);
    this.prefixes = [
      ...this.gLayers.map((layer) => ({ layer, length: o.gLength })),
      ...this.eLayers.map((layer) => ({ layer, length: o.eLength })),
    ];
    // Prompts are laid out [layers, 2 (key, value), length, hidden].
    this.gSize = this.gLayers.length * 2 * o.gLength * d;
    this.eSize = this.eLayers.length * 2 * o.eLength * d;
  }

  private uniform(seed: number, n: number): Float32Array {
    const rng = Rng.seeded(seed);
    return Float32Array.from({ length: n }, () => rng.uniform(-this.o.initScale, this.o.initScale));
  }

  init(store: ParameterStore): void {
    if (this.gSize > 0) store.set(G_PROMPT, tensor('float32', [this.gSize], this.uniform(this.seed ^ G_SALT, this.gSize)));
  }

  beginExperience(store: ParameterStore, info: ExperienceInfo): void {
    if (this.eSize === 0) return;
    const e = this.allocate(store);
    if (info.taskId !== undefined) this.state.taskExpert[String(info.taskId)] = e;
  }

  /** A new E-prompt and key, made the one trained. */
  private allocate(store: ParameterStore): number {
    const e = this.state.experts;
    const salt = this.seed ^ E_SALT ^ Math.imul(e + 1, 0x9e3779b1);
    store.set(expertPrompt(e), tensor('float32', [this.eSize], this.uniform(salt, this.eSize)));
    store.set(expertKey(e), tensor('float32', [this.d], this.uniform(salt ^ 0x55, this.d)));
    this.state.experts += 1;
    this.state.active = e;
    return e;
  }

  appendPrefixes(b: GraphBuilder): ReadonlyMap<string, string> {
    const out = new Map<string, string>();
    for (const { layer, length } of this.prefixes) {
      for (const name of [PREFIX_IO.key(layer), PREFIX_IO.value(layer)]) out.set(name, b.input(name, 'float32', ['batch', length, this.d]));
    }
    return out;
  }

  feeds(store: ParameterStore, queries: Float32Array, training: boolean, taskId?: number): Record<string, Tensor> {
    const rows = queries.length / this.d;
    const experts =
      this.eSize === 0
        ? new Int32Array(rows)
        : training
          ? new Int32Array(rows).fill(this.activeExpert(store))
          : this.select(store, queries, taskId);
    const feeds: Record<string, Tensor> = {};
    if (this.gSize > 0) {
      const g = store.get(G_PROMPT).data;
      Object.assign(
        feeds,
        prefixFeedsOf(this.gLayers, this.o.gLength, this.d, rows, () => g, PREFIX_IO.key, PREFIX_IO.value),
      );
    }
    if (this.eSize > 0)
      Object.assign(
        feeds,
        prefixFeedsOf(
          this.eLayers,
          this.o.eLength,
          this.d,
          rows,
          (r) => store.get(expertPrompt(experts[r]!)).data,
          PREFIX_IO.key,
          PREFIX_IO.value,
        ),
      );
    return feeds;
  }

  /** Per row, the E-prompt whose key is most cosine-similar to the row's query; a known task id names its own. */
  private select(store: ParameterStore, queries: Float32Array, taskId: number | undefined): Int32Array {
    const d = this.d;
    const n = queries.length / d;
    const known = taskId === undefined ? undefined : this.state.taskExpert[String(taskId)];
    if (known !== undefined) return new Int32Array(n).fill(known);
    const keys = Array.from({ length: this.state.experts }, (_, e) => unit(store.get(expertKey(e)).data));
    const out = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const q = queries.subarray(r * d, (r + 1) * d);
      let best = -Infinity;
      keys.forEach((k, e) => {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[i]! * k[i]!;
        if (dot > best) [best, out[r]] = [dot, e];
      });
    }
    return out;
  }

  /** The E-prompt trained now; a stream that never announced an experience gets one at its first batch. */
  private activeExpert(store: ParameterStore): number {
    return this.state.active >= 0 ? this.state.active : this.allocate(store);
  }

  private trainsG(): boolean {
    return this.gSize > 0 && (this.o.shared === 'all' || this.state.ended === 0);
  }

  wrt(): readonly string[] {
    const names = (layers: readonly number[]) => layers.flatMap((l) => [PREFIX_IO.key(l), PREFIX_IO.value(l)]);
    return [...names(this.eLayers), ...(this.trainsG() ? names(this.gLayers) : [])];
  }

  gradients(
    store: ParameterStore,
    grads: ReadonlyMap<string, Tensor>,
    queries: Float32Array,
    n: number,
  ): ReadonlyMap<string, ParameterGradient> {
    const out = new Map<string, ParameterGradient>();
    if (this.eSize > 0) {
      const e = this.activeExpert(store);
      out.set(expertPrompt(e), { grad: promptGradientOf(grads, this.eLayers, this.o.eLength, this.d, n, PREFIX_IO.key, PREFIX_IO.value) });
      if (this.o.lambda > 0) out.set(expertKey(e), { grad: keyPull(queries, n, store.get(expertKey(e)).data, this.o.lambda) });
    }
    if (this.trainsG())
      out.set(G_PROMPT, { grad: promptGradientOf(grads, this.gLayers, this.o.gLength, this.d, n, PREFIX_IO.key, PREFIX_IO.value) });
    return out;
  }

  endExperience(): void {
    this.state.ended += 1;
  }

  save(): Record<string, unknown> {
    return structuredClone(this.state);
  }

  restore(data: Record<string, unknown>): void {
    this.state = { experts: 0, active: -1, ended: 0, taskExpert: {}, ...(structuredClone(data) as Partial<typeof this.state>) };
  }

  requiredParams(data: Record<string, unknown>): readonly string[] {
    const experts = typeof data['experts'] === 'number' ? data['experts'] : 0;
    return Array.from({ length: experts }, (_, e) => [expertPrompt(e), expertKey(e)]).flat();
  }
}

/** d/dk of λ · mean over the first `n` rows of (1 − cos(q, k)). */
function keyPull(queries: Float32Array, n: number, key: Float32Array, lambda: number): Float32Array {
  const d = key.length;
  const grad = new Float32Array(d);
  let kn = 0;
  for (const x of key) kn += x * x;
  kn = Math.max(Math.sqrt(kn), 1e-12);
  const k = Float32Array.from(key, (x) => x / kn);
  for (let r = 0; r < n; r++) {
    const q = unit(queries.subarray(r * d, (r + 1) * d));
    let c = 0;
    for (let i = 0; i < d; i++) c += q[i]! * k[i]!;
    for (let i = 0; i < d; i++) grad[i]! -= (lambda / n) * ((q[i]! - c * k[i]!) / kn);
  }
  return grad;
}
