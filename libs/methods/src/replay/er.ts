/**
 * Experience replay (ER): Chaudhry et al. 2019, "On Tiny Episodic Memories in Continual Learning"
 * (arXiv:1902.10486), and Rolnick et al. 2019, "Experience Replay for Continual Learning"
 * (NeurIPS). For each incoming batch: one step on the batch together with a random replay batch
 * from a reservoir memory, then the batch is offered to the reservoir (each sample once per
 * experience, however many epochs pass over it). The step minimises
 * mean loss(incoming) + mean loss(replay), as the ER baseline of Aljundi et al. 2019 (MIR) does.
 *
 * Options (`ctx.options`): `memory` capacity in samples (default 500), `replay` replay batch size
 * (default 10), `balanced` class-balanced reservoir (`true`/`false`, default false), `exclude`
 * which memory samples replay may not draw (`none`, `classes` of the incoming batch, or its
 * `experience`; default none, as Chaudhry et al.).
 */
import { Classifier } from '../core/classifier.js';
import { defineOptions } from '../option-schema.js';
import {
  balancedReservoirOption,
  replayCountOption,
  replayExclusionOption,
  reservoirCapacityOption,
  RESERVOIR_DEFAULTS,
} from './replay-options.js';
import { exclusionFilter, ReplayTrainer, type ReplayExclusion } from './replay-trainer.js';
import { reservoirReplayStrategy } from './reservoir-replay.js';
import { memoryPortOf } from './memory-port.js';
import type { Strategy, StrategyContext } from '../strategy.js';

/** ER's defaults. */
export const ER_DEFAULTS = Object.freeze({
  ...RESERVOIR_DEFAULTS,
  /** Replayed samples per incoming batch. */
  replay: 10,
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- widens the frozen default to the union the option accepts
  exclude: 'none' as ReplayExclusion,
});

/** ER's options (`--set key=value`). */
export const ER_OPTIONS = defineOptions('er', {
  memory: reservoirCapacityOption(ER_DEFAULTS.memory),
  replay: replayCountOption(ER_DEFAULTS.replay),
  balanced: balancedReservoirOption(ER_DEFAULTS.balanced),
  exclude: replayExclusionOption(
    ER_DEFAULTS.exclude,
    "memory samples replay may not draw: of the incoming batch's classes, of its experience, or none",
  ),
});

/** Offsets the memory's random stream from the weight initialisation's (same run seed). */
const MEMORY_SEED_SALT = 0x5e1ec7;

/**
 * Builds an ER learner.
 *
 * @throws InvalidArgumentError listing every bad or unknown option
 */
export function er(ctx: StrategyContext): Strategy {
  const { memory: capacity, replay, balanced, exclude } = ER_OPTIONS.read(ctx.options);

  const net = new Classifier(ctx.executor, ctx.classifier, ctx.optimizer, ctx.learningRate, ctx.seed);
  const memory = memoryPortOf(ctx).reservoir({
    capacity,
    inputSize: ctx.classifier.inputSize,
    balanced,
    seed: ctx.seed ^ MEMORY_SEED_SALT,
  });
  const trainer = new ReplayTrainer(ctx.executor, net, ctx.optimizer, ctx.learningRate, ctx.classifier.inputSize);
  return reservoirReplayStrategy({
    name: 'er',
    net,
    memory,
    capacity,
    inputSize: ctx.classifier.inputSize,
    step: (batch) => trainer.step(batch, memory.sample(replay, exclusionFilter(exclude, batch))),
  });
}
