/**
 * Replay from distilled data: Wang, Zhu, Torralba & Efros 2018, "Dataset Distillation"
 * (arXiv:1811.10959). At the end of each experience its training data is distilled into `k`
 * synthetic samples per label by bi-level optimisation through an unrolled inner SGD step from random
 * initialisations (see distillation.ts; `method=gradient-matching` uses Zhao et al. 2021, "Dataset
 * Condensation with Gradient Matching", instead), the real data is dropped, and the synthetic sets —
 * versioned {@link DistilledSet}s — become the replay memory: every incoming batch is trained
 * together with a random replay batch drawn from the sets of earlier experiences (the ER update,
 * mean loss(incoming) + mean loss(replay)). With `source=random` the memory holds `k` random real
 * samples per label instead: the baseline at the same budget.
 *
 * Options (`ctx.options`): `k` samples per label (default 10), `source` `distilled` or `random`,
 * `method` `second-order` (default), `first-order` or `gradient-matching`, `init` `real` or
 * `noise`, `outer-steps` (100), `inner-steps` (1), `inits` weight draws per outer step (1),
 * `real-batch` (128), `outer-lr` Adam step on the samples (0.01), `inner-lr` initial inner lr
 * (0.02), `replay` replay batch size (10), `space` `tokens` (token-input embeddings through the
 * frozen encoder; the default on text benchmarks, which give `ctx.text`) or `features`, `tokens`
 * positions per synthetic text sample (16).
 */
import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import { Rng } from '@mneme/random';
import { buildMlp } from '@mneme/models';
import { gatherRows } from '@mneme/tensor';
import { Classifier } from '../core/classifier.js';
import type { DistillInputSpace, DistillNetwork } from './distill-network.js';
import { localDistillPort } from './distill-port.js';
import { textInputSpace } from './distill-text-space.js';
import { DISTILL_DEFAULTS, DISTILL_METHODS, Distiller, type DistillOptions } from './distillation.js';
import type { DistilledSet } from './distilled-set.js';
import { choice, computed, defineOptions, integer, number } from '../option-schema.js';
import { replayCountOption } from '../replay/replay-options.js';
import { checkReplayBatch, ReplayTrainer } from '../replay/replay-trainer.js';
import type {
  ExperienceInfo,
  LabelledBatch,
  LearnStats,
  Strategy,
  StrategyContext,
  StrategyDescription,
  StrategyState,
} from '../strategy.js';

/** Defaults of the `distill` strategy's options. */
export const DISTILL_STRATEGY_DEFAULTS = Object.freeze({
  k: 10,
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- widens the frozen default to the union the option accepts
  source: 'distilled' as 'distilled' | 'random',
  replay: 10,
  /** Token positions of a synthetic text sample (space=tokens). */
  tokens: 16,
  ...DISTILL_DEFAULTS,
});

/** The `distill` strategy's options (`--set key=value`). */
export const DISTILL_OPTIONS = defineOptions('distill', {
  k: integer(DISTILL_STRATEGY_DEFAULTS.k, { min: 1 }, 'samples per label kept for replay'),
  source: choice(
    ['distilled', 'random'],
    DISTILL_STRATEGY_DEFAULTS.source,
    'synthetic (distilled) samples, or random real ones (the baseline)',
  ),
  replay: replayCountOption(DISTILL_STRATEGY_DEFAULTS.replay),
  method: choice(DISTILL_METHODS, DISTILL_STRATEGY_DEFAULTS.method, 'distillation objective'),
  init: choice(['real', 'noise'], DISTILL_STRATEGY_DEFAULTS.init, 'initial synthetic samples'),
  'outer-steps': integer(DISTILL_STRATEGY_DEFAULTS.outerSteps, { min: 0 }, 'outer (sample update) steps'),
  'inner-steps': integer(DISTILL_STRATEGY_DEFAULTS.innerSteps, { min: 1 }, 'unrolled inner SGD steps'),
  inits: integer(DISTILL_STRATEGY_DEFAULTS.initsPerStep, { min: 1 }, 'weight initialisations drawn per outer step'),
  'real-batch': integer(DISTILL_STRATEGY_DEFAULTS.realBatch, { min: 1 }, 'real samples per outer step'),
  'outer-lr': number(DISTILL_STRATEGY_DEFAULTS.outerLr, { min: 0, exclusiveMin: true }, 'Adam step on the synthetic samples'),
  'inner-lr': number(DISTILL_STRATEGY_DEFAULTS.innerLr, { min: 0, exclusiveMin: true }, 'initial inner learning rate'),
  space: choice(
    ['features', 'tokens'],
    computed('tokens on text benchmarks, features elsewhere', (ctx) => (ctx.text === undefined ? 'features' : 'tokens')),
    'distil token-input embeddings through the frozen encoder, or classifier features',
  ),
  tokens: integer(DISTILL_STRATEGY_DEFAULTS.tokens, { min: 2 }, 'token positions per synthetic text sample (space=tokens)'),
});

/** Wiring beyond the CLI options (for programmatic use, e.g. text benchmarks and the distiller app). */
export interface DistillExtras {
  /** Distil into this space instead of the classifier's input features. */
  readonly inputSpace?: DistillInputSpace;
  /** Timestamps of new sets. @default the wall clock */
  readonly now?: () => string;
  /** Progress of each distillation (experience, outer step, objective). */
  readonly onStep?: (experience: number, step: number, objective: number) => void;
}

/** The `distill` strategy, with access to its distilled sets (artefacts). */
export interface DistillStrategy extends Strategy {
  /** The sets held now, one per closed experience (latest version). */
  distilledSets(): readonly DistilledSet[];
  /** Experiences closed without a set because their distillation could not run, with why. */
  failedDistillations(): readonly DistillFailure[];
}

/** An experience whose distillation could not run (it closed without a synthetic set). */
export interface DistillFailure {
  readonly experience: number;
  readonly reason: string;
}

/** Offsets the distillation and replay random streams from the weight initialisation's. */
const DISTILL_SEED_SALT = 0xd157;
const REPLAY_SEED_SALT = 0x4e91a7;

interface Buffer {
  features: number[];
  labels: number[];
  ids: number[];
}

interface SetSnapshot {
  experience: number;
  version: number;
  method: DistilledSet['method'];
  spec: Record<string, string | number | boolean>;
  labels: number[];
  inputs: { data: number[]; shape: number[] };
  features: { data: number[]; shape: number[] } | null;
  lr: number;
}

/**
 * Builds a `distill` learner (registry entry: synthetic samples in the classifier's feature space).
 *
 * @throws InvalidArgumentError listing every bad or unknown option
 */
export function distill(ctx: StrategyContext): DistillStrategy {
  return createDistill(ctx);
}

/**
 * Builds a `distill` learner with optional wiring (a synthetic input space such as token
 * embeddings before a frozen text encoder).
 *
 * @throws InvalidArgumentError listing every bad or unknown option
 */
export function createDistill(ctx: StrategyContext, extras: DistillExtras = {}): DistillStrategy {
  const o = DISTILL_OPTIONS.read(ctx.options, ctx);
  const { k, source, replay, method, init, inits, space, tokens } = o;
  const outerSteps = o['outer-steps'];
  const innerSteps = o['inner-steps'];
  const realBatch = o['real-batch'];
  const outerLr = o['outer-lr'];
  const innerLr = o['inner-lr'];
  if (space === 'tokens' && ctx.text === undefined && extras.inputSpace === undefined) {
    throw new InvalidArgumentError('distill: space=tokens needs a text benchmark (token-level inputs); use space=features');
  }
  // Text benchmarks distil token-input embeddings through the frozen encoder (the ask);
  // elsewhere the samples live in the classifier's own input space (pixels, features).
  const inputSpace =
    extras.inputSpace ?? (space === 'tokens' && ctx.text !== undefined ? textInputSpace(ctx.text, ctx.executor, tokens) : undefined);

  const spec = ctx.classifier;
  const net = new Classifier(ctx.executor, spec, ctx.optimizer, ctx.learningRate, ctx.seed);
  // The distilling network's head has the classes known when an experience is summarised.
  let distilling: { classes: number; network: DistillNetwork; distiller: Distiller } | undefined;
  const distillerNow = () => {
    const classes = Math.max(1, net.classes);
    if (distilling?.classes !== classes) {
      const sizes = [spec.inputSize, ...spec.hidden, classes];
      const network: DistillNetwork = {
        name: `mlp-${sizes.join('-')}`,
        inputShape: [spec.inputSize],
        classes,
        build: (seed) => buildMlp({ sizes, seed }),
      };
      distilling = { classes, network, distiller: new Distiller(ctx.executor, network, inputSpace?.featureMap) };
    }
    return distilling;
  };
  const port = ctx.distiller ?? localDistillPort(ctx.executor);
  const trainer = new ReplayTrainer(ctx.executor, net, ctx.optimizer, ctx.learningRate, spec.inputSize);
  const now = extras.now ?? (() => new Date().toISOString());
  const capacity = () => k * net.classes;

  let buffer: Buffer = { features: [], labels: [], ids: [] };
  let sets: DistilledSet[] = [];
  let failures: DistillFailure[] = [];
  let rng = Rng.seeded(ctx.seed ^ REPLAY_SEED_SALT);

  /** Replay rows: every set's samples as the classifier sees them. */
  const memory = () => {
    const features = new Float32Array(sets.reduce((n, s) => n + s.labels.length, 0) * spec.inputSize);
    const labels = new Int32Array(features.length / spec.inputSize);
    let row = 0;
    for (const s of sets) {
      features.set((s.features ?? s.inputs).data, row * spec.inputSize);
      labels.set(s.labels, row);
      row += s.labels.length;
    }
    return { features, labels };
  };

  const summarise = async (info: ExperienceInfo): Promise<DistilledSet> => {
    const inputs = Float32Array.from(buffer.features);
    const labels = Int32Array.from(buffer.labels);
    const ids = buffer.ids;
    const version = (sets.find((s) => s.experience === info.index)?.version ?? 0) + 1;
    const base = { experience: info.index, version, created: now() };
    const { network, distiller } = distillerNow();
    const shapeOf = (n: number) => [n, ...distiller.sampleShape];
    if (source === 'random') {
      // k random real samples per label: the same budget as the distilled set.
      const pick = Rng.seeded((ctx.seed ^ DISTILL_SEED_SALT) + 7919 * info.index);
      const rows = [...new Set(labels)]
        .sort((a, b) => a - b)
        .flatMap((c) => {
          const of = [...labels.keys()].filter((i) => labels[i] === c);
          return pick.sample(of.length, Math.min(k, of.length)).map((j) => of[j]!);
        });
      const features = gatherRows(inputs, spec.inputSize, rows);
      const space = inputSpace;
      return {
        ...base,
        method: 'random-real',
        spec: { network: network.name, k, source },
        labels: Int32Array.from(rows, (r) => labels[r]!),
        inputs:
          space === undefined
            ? { data: features, shape: [rows.length, spec.inputSize] }
            : { data: await space.samplesOf(rows.map((r) => ids[r]!)), shape: shapeOf(rows.length) },
        ...(space === undefined ? {} : { features: { data: features, shape: [rows.length, spec.inputSize] } }),
        lr: innerLr,
      };
    }
    const options: DistillOptions = {
      perClass: k,
      outerSteps,
      innerSteps,
      method,
      init,
      initsPerStep: inits,
      realBatch,
      outerLr,
      innerLr,
      seed: (ctx.seed ^ DISTILL_SEED_SALT) + 7919 * info.index,
      ...(extras.onStep === undefined ? {} : { onStep: (step: number, objective: number) => extras.onStep!(info.index, step, objective) }),
    };
    const space = inputSpace;
    const result =
      space === undefined
        ? // Feature space: through the port (the distiller service when deployed), same rows, network and options.
          await port.distil(
            { experience: info.index, inputs, labels, sizes: [spec.inputSize, ...spec.hidden, network.classes], options },
            options.onStep,
          )
        : await distiller.distil(
            {
              inputs,
              labels,
              samplesOf: (rows: readonly number[]) => space.samplesOf(rows.map((r) => ids[r]!)),
              ...(space.noise === undefined ? {} : { noise: (r: Rng, count: number) => space.noise!(r, count) }),
            },
            options,
          );
    const n = result.labels.length;
    return {
      ...base,
      method,
      spec: {
        network: network.name,
        featureMap: space?.featureMap.name ?? 'none',
        k,
        init,
        outerSteps,
        innerSteps,
        inits,
        realBatch,
        outerLr,
        innerLr,
      },
      labels: result.labels,
      inputs: { data: result.inputs, shape: shapeOf(n) },
      ...(space === undefined ? {} : { features: { data: await distiller.features(result.inputs), shape: [n, spec.inputSize] } }),
      lr: result.lr,
    };
  };

  return {
    name: 'distill',
    beginExperience: () => Promise.resolve(),
    learn: async (batch: LabelledBatch): Promise<LearnStats | undefined> => {
      checkReplayBatch(batch, { inputSize: spec.inputSize, classes: net.classes });
      if (batch.labels.length === 0) return undefined;
      const held = memory();
      const picked = rng.sample(held.labels.length, Math.min(replay, held.labels.length));
      const features = gatherRows(held.features, spec.inputSize, picked);
      const loss = await trainer.step(batch, { features, labels: Int32Array.from(picked, (r) => held.labels[r]!) });
      buffer.features.push(...batch.features);
      buffer.labels.push(...batch.labels);
      buffer.ids.push(...batch.ids);
      return { loss };
    },
    endExperience: async (info: ExperienceInfo) => {
      if (buffer.labels.length === 0) return;
      try {
        const set = await summarise(info);
        sets = [...sets.filter((s) => s.experience !== info.index), set];
      } catch (err) {
        // A distillation that could not run (the distiller is down, failed or timed out) still
        // closes the experience, without a set; any other error is a bug and propagates.
        const kind = err instanceof MnemeError ? err.kind : 'internal';
        if (kind !== 'unavailable' && kind !== 'deadline-exceeded') throw err;
        failures = [...failures, { experience: info.index, reason: MnemeError.from(err).message }];
      }
      // The real data of a closed experience is not kept: only its synthetic summary.
      buffer = { features: [], labels: [], ids: [] };
    },
    growClasses: (count: number) => net.growClasses(count),
    classCount: () => net.classes,
    predict: (features: Float32Array) => net.predict(features),
    // The current experience's real samples are the source of its synthetic set: forgotten ones leave it.
    forget: (ids: Iterable<number>) => {
      const doomed = new Set(ids);
      const keep = buffer.ids.flatMap((id, i) => (doomed.has(id) ? [] : [i]));
      const removed = buffer.ids.length - keep.length;
      const d = spec.inputSize;
      buffer = {
        features: keep.flatMap((i) => buffer.features.slice(i * d, (i + 1) * d)),
        labels: keep.map((i) => buffer.labels[i]!),
        ids: keep.map((i) => buffer.ids[i]!),
      };
      return removed;
    },
    distilledSets: () => sets,
    failedDistillations: () => failures,
    saveState: (): StrategyState => ({
      params: net.store.clone(),
      data: {
        buffer: { features: [...buffer.features], labels: [...buffer.labels], ids: [...buffer.ids] },
        // Creation times are provenance, not learning state: leaving them out keeps resumed runs
        // bit-identical to uninterrupted ones.
        sets: sets.map((s): SetSnapshot => ({
          experience: s.experience,
          version: s.version,
          method: s.method,
          spec: { ...s.spec },
          labels: Array.from(s.labels),
          inputs: { data: Array.from(s.inputs.data), shape: [...s.inputs.shape] },
          features: s.features === undefined ? null : { data: Array.from(s.features.data), shape: [...s.features.shape] },
          lr: s.lr,
        })),
        rng: rng.state(),
        failures: failures.map((f) => ({ ...f })),
      },
    }),
    restoreState: (state: StrategyState) => {
      const data = state.data as { buffer: Buffer; sets: SetSnapshot[]; rng: number[] };
      const restoredAt = now();
      sets = data.sets.map((s) => ({
        experience: s.experience,
        version: s.version,
        method: s.method,
        spec: { ...s.spec },
        labels: Int32Array.from(s.labels),
        inputs: { data: Float32Array.from(s.inputs.data), shape: [...s.inputs.shape] },
        ...(s.features === null ? {} : { features: { data: Float32Array.from(s.features.data), shape: [...s.features.shape] } }),
        lr: s.lr,
        created: restoredAt,
      }));
      buffer = { features: [...data.buffer.features], labels: [...data.buffer.labels], ids: [...data.buffer.ids] };
      rng = Rng.fromState(data.rng);
      failures = [...((state.data['failures'] as DistillFailure[] | undefined) ?? [])];
      net.setStore(state.params.clone());
    },
    describe: (): StrategyDescription => ({ memorySize: sets.reduce((n, s) => n + s.labels.length, 0), memoryCapacity: capacity() }),
  };
}
