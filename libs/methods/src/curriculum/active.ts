/**
 * Active learning per experience: of each experience's samples only a budget (a fraction) may be
 * labelled, and the model chooses which, by pool-based uncertainty sampling (Settles 2009, "Active
 * Learning Literature Survey", Sec. 2.3 and 3.1; Lewis & Gale 1994, "A sequential algorithm for
 * training text classifiers") — least-confidence, margin or entropy — or at random (the baseline
 * at the same budget).
 *
 * Boundary-aware: the experience's batches form the unlabelled pool (de-duplicated by id; their
 * labels are read only for the rows selected, as an oracle would answer). At the experience's end
 * the budget is spent in `rounds`: score the still-unlabelled rows with the current model, label
 * the `budget/rounds` most informative, train `epochs` shuffled passes over everything labelled so
 * far, re-score the rest. Only labelled samples are trained on (and, with `memory > 0`, kept in the
 * shared {@link ReservoirMemory} and replayed with every step: mean loss(new) + mean loss(replay), as ER).
 */
import { Rng } from '@mneme/random';
import { ACQUISITION_NAMES, acquisitionScores, topK, type AcquisitionName } from './acquisition.js';
import { Classifier } from '../core/classifier.js';
import { choice, defineOptions, integer, number } from '../option-schema.js';
import { optionalReservoirOption, replayBatchOption } from '../replay/replay-options.js';
import { ExperiencePool } from '../core/experience-pool.js';
import { describePooled, forgetPooled, optionalReservoir, poolBatch, pooledState, restorePooled } from './pooled-replay.js';
import { ReplayTrainer } from '../replay/replay-trainer.js';
import type {
  ExperienceInfo,
  LabelledBatch,
  PredictOptions,
  Strategy,
  StrategyContext,
  StrategyDescription,
  StrategyState,
} from '../strategy.js';

/**
 * Options of the active strategy as parsed from `ctx.options`: `budget` (fraction of each
 * experience labelled, in (0, 1], default 0.2), `acquisition` (least-confidence|margin|entropy|random,
 * default least-confidence), `rounds` (selection rounds per experience, default 4), `memory` (replay
 * reservoir of labelled samples, default 0 = none), `replayBatch` (replayed samples per step, default
 * the batch size).
 */
export interface ActiveOptions {
  readonly budget: number;
  readonly acquisition: AcquisitionName;
  readonly rounds: number;
  readonly memory: number;
  readonly replayBatch: number;
}

/** One selection round. */
export interface ActiveRound {
  readonly experience: number;
  readonly round: number;
  /** Labels requested in this round. */
  readonly labelled: number;
  /** Labels used since construction, this round included. */
  readonly labelsUsed: number;
  /** Size of the experience's pool. */
  readonly poolSize: number;
}

/** The active strategy, reporting the labels it used. */
export interface ActiveStrategy extends Strategy {
  /** Labels requested so far (restored with the state). */
  labelsUsed(): number;
  /** Every selection round since construction (a diagnostic log, not saved). */
  rounds(): readonly ActiveRound[];
  /** The parsed options. */
  readonly options: ActiveOptions;
}

/** The active strategy's options (`--set key=value`). */
export const ACTIVE_OPTIONS = defineOptions('active', {
  budget: number(0.2, { min: 0, exclusiveMin: true, max: 1 }, 'fraction of each experience labelled'),
  acquisition: choice(ACQUISITION_NAMES, 'least-confidence', 'which samples are labelled'),
  rounds: integer(4, { min: 1 }, 'selection rounds per experience'),
  memory: optionalReservoirOption('replay reservoir of labelled samples (0: none)'),
  replayBatch: replayBatchOption('active'),
});

/**
 * Parses and validates the active strategy's options.
 *
 * @throws InvalidArgumentError listing every bad or unknown option
 */
export function activeOptions(options: Readonly<Record<string, string>>, batchSize: number): ActiveOptions {
  return ACTIVE_OPTIONS.read(options, { batchSize });
}

/** Labels an experience of `n` samples may use at a budget: round(budget·n), at least 1 when n > 0. */
export function labelBudget(budget: number, n: number): number {
  return n === 0 ? 0 : Math.min(n, Math.max(1, Math.round(budget * n)));
}

/** Offsets the memory's random stream from the weight initialisation's and the selector's (same run seed). */
const MEMORY_SEED_SALT = 0xac71fe;
const SELECTOR_SEED_SALT = 0x5e1ec7ed;

/**
 * Builds the active-learning strategy.
 *
 * @throws InvalidArgumentError listing every bad or unknown option
 */
export function active(ctx: StrategyContext): ActiveStrategy {
  const options = activeOptions(ctx.options, ctx.batchSize);
  const net = new Classifier(ctx.executor, ctx.classifier, ctx.optimizer, ctx.learningRate, ctx.seed);
  const trainer = new ReplayTrainer(ctx.executor, net, ctx.optimizer, ctx.learningRate, ctx.classifier.inputSize);
  const d = ctx.classifier.inputSize;
  let pool = new ExperiencePool(d);
  const memory = optionalReservoir(ctx, options.memory, MEMORY_SEED_SALT);
  let rng = Rng.seeded(ctx.seed ^ SELECTOR_SEED_SALT);
  let used = 0;
  const log: ActiveRound[] = [];

  /** Rows of `candidates` to label now: the `quota` most informative under the current model. */
  const select = async (candidates: number[], quota: number): Promise<number[]> => {
    // Random selection needs no forward pass; its draws come from the strategy's own seeded stream.
    if (options.acquisition === 'random') return rng.sample(candidates.length, quota).map((i) => candidates[i]!);
    const logits = await net.logits(pool.gather(candidates).features);
    return Array.from(topK(acquisitionScores(logits, net.classes, options.acquisition), quota), (i) => candidates[i]!);
  };

  const trainOn = async (rows: readonly number[]) => {
    for (let epoch = 0; epoch < ctx.epochs; epoch++) {
      const order = rng.shuffle([...rows]);
      for (let start = 0; start < order.length; start += ctx.batchSize) {
        const incoming = pool.gather(order.slice(start, start + ctx.batchSize));
        const replay =
          memory === undefined ? { features: new Float32Array(0), labels: new Int32Array(0) } : memory.sample(options.replayBatch);
        await trainer.step(incoming, replay);
      }
    }
  };

  const learnExperience = async (experience: number) => {
    const n = pool.size;
    const budget = labelBudget(options.budget, n);
    const rounds = Math.min(options.rounds, budget);
    const isLabelled = new Uint8Array(n);
    const labelled: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Quotas differ by at most one and sum to the budget exactly.
      const quota = Math.floor((budget * (round + 1)) / rounds) - Math.floor((budget * round) / rounds);
      const candidates = [...Array(n).keys()].filter((i) => isLabelled[i] === 0);
      const picked = await select(candidates, quota);
      for (const i of picked) isLabelled[i] = 1;
      labelled.push(...picked);
      used += picked.length;
      log.push({ experience, round, labelled: picked.length, labelsUsed: used, poolSize: n });
      await trainOn(labelled);
    }
    // Only labelled samples can be replayed: the others' labels were never asked for.
    if (labelled.length > 0) memory?.add({ ...pool.gather(labelled), experience });
    pool.clear();
  };

  return {
    name: 'active',
    options,
    beginExperience: () => Promise.resolve(),
    learn: async (batch: LabelledBatch) => poolBatch(pool, batch, d, net.classes),
    endExperience: async (info: ExperienceInfo) => {
      await learnExperience(info.index);
    },
    growClasses: (count: number) => net.growClasses(count),
    classCount: () => net.classes,
    predict: (features: Float32Array, _options?: PredictOptions) => net.predict(features),
    labelsUsed: () => used,
    rounds: () => log,
    describe: (): StrategyDescription => describePooled(memory, options.memory),
    forget: (ids: Iterable<number>) => forgetPooled(pool, memory, ids),
    saveState: (): StrategyState => ({
      params: net.store.clone(),
      data: { ...pooledState(pool, memory), rng: rng.state(), labelsUsed: used },
    }),
    restoreState: (state: StrategyState) => {
      // Everything is checked before anything changes.
      const nextPool = restorePooled(state.data, memory, options.memory);
      net.setStore(state.params.clone());
      pool = nextPool;
      rng = Rng.fromState(state.data['rng'] as number[]);
      used = state.data['labelsUsed'] as number;
    },
  };
}
