/**
 * Curriculum learning: train on easy samples first and release harder ones over time (Bengio et
 * al. 2009, "Curriculum learning", ICML). Difficulty comes from the current model (the
 * "self-taught"/transfer scoring of Hacohen & Weinshall 2019, "On the power of curriculum learning
 * in training deep networks", ICML) and a pacing function g(t) decides which easiest-first prefix
 * of the data each step samples its mini-batch from (their Algorithm 1).
 *
 * Boundary-aware: the experience's batches are buffered (de-duplicated by id, since the loop
 * replays them once per epoch), scored with the model as it is at the experience's end — i.e.
 * before training on it, so new samples a past-trained model confidently mistakes for an old class
 * rank hard — ordered, and trained for `epochs · ⌈n / batchSize⌉` steps, each sampling a batch
 * uniformly from the first ⌈g(t)·n⌉ ordered samples. With `memory > 0` a reservoir of past samples
 * (the shared {@link ReservoirMemory}) is replayed with every step — mean loss(new) + mean
 * loss(replay), as ER — and the same pacing picks the replayed samples from the memory ordered
 * easy-first under the current model. `order=random` with `pacing=none` is the ordinary-training baseline with the
 * same number of steps and the same sampler.
 */
import { Rng } from '@mneme/random';
import { Classifier } from '../core/classifier.js';
import { difficultyOf, difficultyScores, easyFirstOrder, SCORING_RULES, type ScoringRule } from './difficulty.js';
import { choice, defineOptions, integer, number } from '../option-schema.js';
import { optionalReservoirOption, replayBatchOption } from '../replay/replay-options.js';
import { PACING_NAMES, pacingFunction, releasedCount, type PacingName } from './pacing.js';
import { ExperiencePool, gatherSamples } from '../core/experience-pool.js';
import { describePooled, forgetPooled, optionalReservoir, poolBatch, pooledState, restorePooled } from './pooled-replay.js';
import { ReplayTrainer, type LabelledRows } from '../replay/replay-trainer.js';
import type {
  ExperienceInfo,
  LabelledBatch,
  PredictOptions,
  Strategy,
  StrategyContext,
  StrategyDescription,
  StrategyState,
} from '../strategy.js';

/** How the buffered samples are ordered before pacing. */
export type CurriculumOrder = 'easy-first' | 'hard-first' | 'random';

/** When samples are scored. */
export type RescoreMode = 'never' | 'epoch';

/** The orders, for option validation. */
export const CURRICULUM_ORDERS: readonly CurriculumOrder[] = Object.freeze(['easy-first', 'hard-first', 'random']);

/**
 * The curriculum's options as parsed from `ctx.options` (all strings on the CLI):
 * `pacing` (linear|root|step|none, default linear), `scoring` (confidence|loss|margin, default
 * confidence), `order` (easy-first|hard-first|random, default easy-first), `start` (fraction
 * released at t = 0, default 0.2), `full` (progress at which all is released, default 0.8),
 * `steps` (step pacing's increments, default 4), `power` (root pacing's degree, default 2),
 * `memory` (replay reservoir size, default 0 = none), `replayBatch` (replayed samples per step,
 * default the batch size), `rescore` (never|epoch: re-score with the training model at each
 * epoch, self-paced, default never).
 */
export interface CurriculumOptions {
  readonly pacing: PacingName;
  readonly scoring: ScoringRule;
  readonly order: CurriculumOrder;
  readonly start: number;
  readonly full: number;
  readonly steps: number;
  readonly power: number;
  readonly memory: number;
  readonly replayBatch: number;
  readonly rescore: RescoreMode;
}

/** One optimizer step of the curriculum, for progress curves. */
export interface CurriculumStep {
  /** Experience being trained. */
  readonly experience: number;
  /** Step number within the experience, from 0. */
  readonly step: number;
  /** Steps this experience trains in all. */
  readonly totalSteps: number;
  /** Loss of the step's batch (new and replayed samples) before the update. */
  readonly loss: number;
  /** Fraction of the ordered experience released at this step (g(t)). */
  readonly released: number;
  /** Replayed memory samples in the batch. */
  readonly replayed: number;
}

/** Observers of a curriculum run (the bench probes held-out accuracy here). */
export interface CurriculumHooks {
  /** Called after every step; awaited, so it may evaluate the model through `predict`. */
  readonly onStep?: (step: CurriculumStep) => void | Promise<void>;
}

/** The curriculum strategy, with its per-step progress. */
export interface CurriculumStrategy extends Strategy {
  /** Every step since construction (not part of the saved state: it is a diagnostic log). */
  progress(): readonly CurriculumStep[];
  /** The parsed options. */
  readonly options: CurriculumOptions;
}

/** The curriculum's options (`--set key=value`). */
export const CURRICULUM_OPTIONS = defineOptions('curriculum', {
  pacing: choice(PACING_NAMES, 'linear', 'pacing function g(t): fraction of the ordered experience released at progress t'),
  scoring: choice(SCORING_RULES, 'confidence', 'difficulty score of a sample under the model trained so far'),
  order: choice(CURRICULUM_ORDERS, 'easy-first', 'order of the buffered samples before pacing'),
  start: number(0.2, { min: 0, exclusiveMin: true, max: 1 }, 'fraction released at t = 0'),
  full: number(0.8, { min: 0, exclusiveMin: true, max: 1 }, 'progress at which everything is released'),
  steps: integer(4, { min: 1 }, "step pacing's increments"),
  power: number(2, { min: 1 }, "root pacing's degree"),
  memory: optionalReservoirOption('replay reservoir size in samples (0: no replay)'),
  replayBatch: replayBatchOption('curriculum'),
  rescore: choice(['never', 'epoch'], 'never', 're-score with the training model at each epoch (self-paced)'),
});

/**
 * Parses and validates the curriculum's options.
 *
 * @throws InvalidArgumentError listing every bad or unknown option
 */
export function curriculumOptions(options: Readonly<Record<string, string>>, batchSize: number): CurriculumOptions {
  return CURRICULUM_OPTIONS.read(options, { batchSize });
}

/** Offsets the memory's random stream from the weight initialisation's and the sampler's (same run seed). */
const MEMORY_SEED_SALT = 0xc0ffee;
const SAMPLER_SEED_SALT = 0xc1a55;

/**
 * Builds the curriculum strategy (`hooks` observe its steps; the registry passes none).
 *
 * @throws InvalidArgumentError listing every bad or unknown option
 */
export function curriculum(ctx: StrategyContext, hooks: CurriculumHooks = {}): CurriculumStrategy {
  const options = curriculumOptions(ctx.options, ctx.batchSize);
  const pace = pacingFunction(options.pacing, options);
  const net = new Classifier(ctx.executor, ctx.classifier, ctx.optimizer, ctx.learningRate, ctx.seed);
  const trainer = new ReplayTrainer(ctx.executor, net, ctx.optimizer, ctx.learningRate, ctx.classifier.inputSize);
  const d = ctx.classifier.inputSize;
  let pool = new ExperiencePool(d);
  const memory = optionalReservoir(ctx, options.memory, MEMORY_SEED_SALT);
  let rng = Rng.seeded(ctx.seed ^ SAMPLER_SEED_SALT);
  const log: CurriculumStep[] = [];

  /** Row order of a labelled set, easiest first under the current model (or shuffled for `random`). */
  const rank = async (features: Float32Array, labels: Int32Array): Promise<Int32Array> => {
    if (options.order === 'random') return Int32Array.from(rng.shuffle([...labels.keys()]));
    const scores = difficultyScores(await net.logits(features), labels, net.classes);
    const difficulty = difficultyOf(scores, options.scoring);
    return easyFirstOrder(options.order === 'hard-first' ? difficulty.map((x) => -x) : difficulty);
  };

  /** `size` rows drawn without replacement from the first `released` entries of `order`. */
  const draw = (order: Int32Array, released: number, size: number): number[] =>
    rng.sample(released, Math.min(size, released)).map((i) => order[i]!);

  const train = async (experience: number) => {
    const n = pool.size;
    if (n === 0) return;
    const b = ctx.batchSize;
    const perEpoch = Math.ceil(n / b);
    const total = ctx.epochs * perEpoch;
    const current = { features: pool.features(), labels: pool.labels() };
    // The memory does not change while an experience trains (it is offered the experience after), so one copy serves all steps.
    const past = memory === undefined || memory.size === 0 ? undefined : memory.all();
    let order = await rank(current.features, current.labels);
    let pastOrder = past === undefined ? undefined : await rank(past.features, past.labels);
    for (let s = 0; s < total; s++) {
      if (options.rescore === 'epoch' && s > 0 && s % perEpoch === 0) {
        order = await rank(current.features, current.labels);
        if (past !== undefined) pastOrder = await rank(past.features, past.labels);
      }
      const released = pace(s / total);
      const incoming = gatherSamples(current.features, current.labels, draw(order, releasedCount(released, n, Math.min(n, b)), b), d);
      let replay: LabelledRows = { features: new Float32Array(0), labels: new Int32Array(0) };
      if (past !== undefined && pastOrder !== undefined) {
        const m = past.labels.length;
        replay = gatherSamples(
          past.features,
          past.labels,
          draw(pastOrder, releasedCount(released, m, Math.min(m, options.replayBatch)), options.replayBatch),
          d,
        );
      }
      const loss = await trainer.step(incoming, replay);
      const record: CurriculumStep = { experience, step: s, totalSteps: total, loss, released, replayed: replay.labels.length };
      log.push(record);
      await hooks.onStep?.(record);
    }
    // The experience joins the replay memory only after it is learned, so it is never its own replay.
    memory?.add({ ...current, ids: pool.ids(), experience });
    pool.clear();
  };

  return {
    name: 'curriculum',
    options,
    beginExperience: () => Promise.resolve(),
    learn: async (batch: LabelledBatch) => poolBatch(pool, batch, d, net.classes),
    endExperience: async (info: ExperienceInfo) => {
      await train(info.index);
    },
    growClasses: (count: number) => net.growClasses(count),
    classCount: () => net.classes,
    predict: (features: Float32Array, _options?: PredictOptions) => net.predict(features),
    progress: () => log,
    describe: (): StrategyDescription => describePooled(memory, options.memory),
    forget: (ids: Iterable<number>) => forgetPooled(pool, memory, ids),
    saveState: (): StrategyState => ({
      params: net.store.clone(),
      data: { ...pooledState(pool, memory), rng: rng.state() },
    }),
    restoreState: (state: StrategyState) => {
      // Everything is checked before anything changes.
      const nextPool = restorePooled(state.data, memory, options.memory);
      net.setStore(state.params.clone());
      pool = nextPool;
      rng = Rng.fromState(state.data['rng'] as number[]);
    },
  };
}
