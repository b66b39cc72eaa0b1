/**
 * CODA-Prompt: Smith, Karlinsky, Gutta, Cascante-Bonilla, Kim, Arbelle, Panda, Feris & Kira,
 * "CODA-Prompt: COntinual Decomposed Attention-based Prompting for Rehearsal-Free Continual
 * Learning", CVPR 2023. A prompt is not picked from a pool but assembled: p(q) = Σₘ αₘ Pₘ over
 * prompt components Pₘ, with αₘ = cos(q ⊙ Aₘ, Kₘ) from a key Kₘ and an attention vector Aₘ per
 * component and the frozen encoder's output q for the raw input. No hard top-N: α, K, A and P are
 * trained end to end through the task loss. Each experience adds `components` new components
 * (orthogonal to the earlier ones at initialisation, as the paper's Gram–Schmidt step) and trains
 * only those; earlier ones stay frozen but keep contributing. Prompts attach as prefixes (keys and
 * values) to the layers [start, end).
 *
 * Heads, caching of the frozen lower layers and feature mode are as in DualPrompt (see
 * prefix-learner.ts).
 *
 * Options (CLI `--set key=value`): start, end (prefixed layers [start, end); default the paper's
 * layers 0–4 of 12 scaled to the encoder), length (8), components (per experience, 10: the
 * paper's pool of 100 over 10 tasks), and the shared head, learning-rate and input options.
 */
import { InvalidArgumentError } from '@mneme/errors';
import type { ParameterStore } from '@mneme/execution';
import { type GraphBuilder } from '@mneme/graph';
import { PREFIX_IO } from '@mneme/models';
import { Rng } from '@mneme/random';
import { tensor, type Tensor } from '@mneme/tensor';
import { computed, defineOptions, integer, type OptionContext } from '../option-schema.js';
import {
  PREFIX_LEARNER_OPTION_SPECS,
  prefixPromptStrategy,
  prefixSetupProblems,
  type ParameterGradient,
  type PromptSource,
} from './prefix-learner.js';
import type { Strategy, StrategyContext } from '../strategy.js';

const depthOf = (ctx: OptionContext): number => ctx.text?.bert?.config.numHiddenLayers ?? 12;

/** CODA-Prompt's options (`--set key=value`). */
export const CODA_PROMPT_OPTIONS = defineOptions('coda-prompt', {
  start: integer(0, { min: 0 }, 'first prefixed layer'),
  end: integer(
    computed('5 of 12 layers, scaled to the encoder (at least start + 1)', (ctx, earlier) =>
      Math.max(Math.round((5 * depthOf(ctx)) / 12), (earlier['start'] as number) + 1),
    ),
    { min: 1 },
    'end (exclusive) of the prefixed layers',
  ),
  length: integer(8, { min: 1 }, 'prefix length (keys and values each)'),
  components: integer(10, { min: 1 }, 'prompt components added per experience'),
  ...PREFIX_LEARNER_OPTION_SPECS,
});

/** CODA-Prompt's options after defaults. */
export type CodaPromptOptions = ReturnType<typeof CODA_PROMPT_OPTIONS.read>;

/** Reads and validates CODA-Prompt's options (every problem at once). */
export function codaPromptOptions(ctx: StrategyContext): CodaPromptOptions {
  const o = CODA_PROMPT_OPTIONS.read(ctx.options, ctx);
  const problems: string[] = [];
  if (o.end <= o.start) problems.push(`coda-prompt: end (${o.end}) must be above start (${o.start})`);
  problems.push(...prefixSetupProblems('coda-prompt', ctx, o, o.end - 1));
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return o;
}

/** Graph inputs of the component pool. */
export const CODA_IO = Object.freeze({
  query: 'coda/query',
  /** float32 [components, hidden]. */
  keys: 'coda/keys',
  /** float32 [components, hidden]. */
  attention: 'coda/attention',
  /** float32 [components, layers · 2 · length · hidden]. */
  components: 'coda/components',
});

/** Parameter names (one tensor each, rows = components; an experience's rows are contiguous). */
/** CODA-Prompt's parameter names: per component a key, an attention vector and the prefix rows ([count, hidden] and [count, layers·2·length·hidden]). */
export const CODA_PROMPT_PARAMS = Object.freeze({
  keys: 'coda-prompt.keys',
  attention: 'coda-prompt.attention',
  components: 'coda-prompt.components',
});
const PARAMS = CODA_PROMPT_PARAMS;
const SALT = 0x2e1;

/** The `coda-prompt` strategy (see the file comment). */
export function codaPrompt(ctx: StrategyContext): Strategy {
  const o = codaPromptOptions(ctx);
  return prefixPromptStrategy('coda-prompt', ctx, o, new CodaSource(o, ctx.classifier.inputSize, ctx.seed));
}

/** The decomposed prompt pool as a {@link PromptSource}. */
class CodaSource implements PromptSource {
  readonly prefixes: readonly { layer: number; length: number }[];
  private readonly layers: number[];
  /** Values per component: layers · 2 · length · hidden. */
  private readonly width: number;
  /** Components allocated, and the first row of the ones trained now. */
  private state = { count: 0, trainedFrom: 0, experiences: 0 };

  constructor(
    private readonly o: CodaPromptOptions,
    private readonly d: number,
    private readonly seed: number,
  ) {
    this.layers = Array.from({ length: o.end - o.start }, (_, i) => o.start + i);
    this.prefixes = this.layers.map((layer) => ({ layer, length: o.length }));
    this.width = this.layers.length * 2 * o.length * d;
  }

  init(store: ParameterStore): void {
    store.set(PARAMS.keys, tensor('float32', [0, this.d], new Float32Array(0)));
    store.set(PARAMS.attention, tensor('float32', [0, this.d], new Float32Array(0)));
    store.set(PARAMS.components, tensor('float32', [0, this.width], new Float32Array(0)));
  }

  beginExperience(store: ParameterStore): void {
    this.allocate(store);
  }

  /** Adds this experience's components, orthogonal to the earlier ones, and makes them the trained ones. */
  private allocate(store: ParameterStore): void {
    const rng = Rng.seeded(this.seed ^ SALT ^ Math.imul(this.state.experiences + 1, 0x9e3779b1));
    const added = this.o.components;
    for (const [name, width] of [
      [PARAMS.keys, this.d],
      [PARAMS.attention, this.d],
      [PARAMS.components, this.width],
    ] as const) {
      const old = store.get(name).data;
      const rows = new Float32Array(old.length + added * width);
      rows.set(old);
      orthonormalRows(rows, old.length / width, added, width, rng);
      store.set(name, tensor('float32', [old.length / width + added, width], rows));
      // Adam's moments grow with the rows (new rows start at zero).
      for (const slot of store.stateSlots(name)) {
        const moments = new Float32Array(rows.length);
        moments.set(store.getState(name, slot).data);
        store.setState(name, slot, tensor('float32', [rows.length / width, width], moments));
      }
    }
    this.state.trainedFrom = this.state.count;
    this.state.count += added;
    this.state.experiences += 1;
  }

  appendPrefixes(b: GraphBuilder): ReadonlyMap<string, string> {
    const f = (v: number) => b.scalar(v, 'float32');
    const q = b.input(CODA_IO.query, 'float32', ['batch', this.d]);
    const keys = b.input(CODA_IO.keys, 'float32', ['components', this.d]);
    const attention = b.input(CODA_IO.attention, 'float32', ['components', this.d]);
    const components = b.input(CODA_IO.components, 'float32', ['components', this.width]);
    // α[b, m] = Σ q·A·K / (‖q ⊙ A‖ · ‖K‖).
    const dot = b.matMul(q, b.transpose(b.mul(attention, keys), [1, 0]));
    const attended = b.sqrt(b.add(b.matMul(b.mul(q, q), b.transpose(b.mul(attention, attention), [1, 0])), f(1e-12)));
    const keyNorm = b.sqrt(b.add(b.reduceSum(b.mul(keys, keys), [1], false), f(1e-12)));
    const alpha = b.div(dot, b.mul(attended, keyNorm));
    const parts = b.reshape(b.matMul(alpha, components), [0, this.layers.length * 2, this.o.length, this.d]);
    const out = new Map<string, string>();
    this.layers.forEach((layer, li) => {
      const part = (j: number) => b.reshape(b.slice(parts, [j], [j + 1], [1]), [0, this.o.length, this.d]);
      out.set(PREFIX_IO.key(layer), part(2 * li));
      out.set(PREFIX_IO.value(layer), part(2 * li + 1));
    });
    return out;
  }

  feeds(store: ParameterStore, queries: Float32Array): Record<string, Tensor> {
    if (this.state.count === 0) this.allocate(store);
    return {
      [CODA_IO.query]: tensor('float32', [queries.length / this.d, this.d], queries),
      [CODA_IO.keys]: store.get(PARAMS.keys),
      [CODA_IO.attention]: store.get(PARAMS.attention),
      [CODA_IO.components]: store.get(PARAMS.components),
    };
  }

  wrt(): readonly string[] {
    return [CODA_IO.keys, CODA_IO.attention, CODA_IO.components];
  }

  gradients(_store: ParameterStore, grads: ReadonlyMap<string, Tensor>): ReadonlyMap<string, ParameterGradient> {
    // Only this experience's components move; earlier ones are frozen (their rows untouched, moments too).
    const touched = new Uint8Array(this.state.count).fill(1, this.state.trainedFrom);
    return new Map<string, ParameterGradient>([
      [PARAMS.keys, { grad: grads.get(CODA_IO.keys)!.data as Float32Array, rows: { size: this.d, touched } }],
      [PARAMS.attention, { grad: grads.get(CODA_IO.attention)!.data as Float32Array, rows: { size: this.d, touched } }],
      [PARAMS.components, { grad: grads.get(CODA_IO.components)!.data as Float32Array, rows: { size: this.width, touched } }],
    ]);
  }

  endExperience(): void {
    // Nothing to close: this experience's components freeze when the next one adds its own.
  }

  save(): Record<string, unknown> {
    return structuredClone(this.state);
  }

  restore(data: Record<string, unknown>): void {
    this.state = { count: 0, trainedFrom: 0, experiences: 0, ...(structuredClone(data) as Partial<typeof this.state>) };
  }

  requiredParams(): readonly string[] {
    return Object.values(PARAMS);
  }
}

/**
 * Fills rows [from, from + count) of `rows` (`width` values each) with unit vectors orthogonal to
 * every row before them (Gram–Schmidt on uniform draws); once `width` rows exist, no vector is
 * orthogonal to all of them, and a new row is a plain unit draw.
 */
export function orthonormalRows(rows: Float32Array, from: number, count: number, width: number, rng: Rng): void {
  for (let r = from; r < from + count; r++) {
    const v = Float64Array.from({ length: width }, () => rng.uniform(-1, 1));
    if (r < width) {
      for (let p = 0; p < r; p++) {
        let dot = 0;
        for (let i = 0; i < width; i++) dot += v[i]! * rows[p * width + i]!;
        for (let i = 0; i < width; i++) v[i]! -= dot * rows[p * width + i]!;
      }
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm);
    for (let i = 0; i < width; i++) rows[r * width + i] = v[i]! / norm;
  }
}
