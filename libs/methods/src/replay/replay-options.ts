/**
 * The option specs the replay strategies share (ER, MIR, distill, kNN + head, curriculum, active),
 * declared once so their `--set` help, defaults and validation messages stay the same everywhere.
 */
import { boolean, choice, computed, integer, needed, type BooleanSpec, type ChoiceSpec, type NumberSpec } from '../option-schema.js';
import { REPLAY_EXCLUSIONS, type ReplayExclusion } from './replay-trainer.js';

/** The reservoir defaults of ER and MIR. */
export const RESERVOIR_DEFAULTS = Object.freeze({
  /** Memory capacity in samples. */
  memory: 500,
  balanced: false,
});

/** `memory`: the capacity of a strategy's replay reservoir (always present). */
export function reservoirCapacityOption(fallback: number = RESERVOIR_DEFAULTS.memory): NumberSpec {
  return integer(fallback, { min: 1 }, 'reservoir memory capacity in samples');
}

/** `balanced`: a class-balanced reservoir. */
export function balancedReservoirOption(fallback: boolean = RESERVOIR_DEFAULTS.balanced): BooleanSpec {
  return boolean(fallback, 'class-balanced reservoir');
}

/** `exclude`: which memory samples replay may not use, relative to the incoming batch (`description` says for what). */
export function replayExclusionOption(fallback: ReplayExclusion, description: string): ChoiceSpec<ReplayExclusion> {
  return choice(REPLAY_EXCLUSIONS, fallback, description);
}

/** `replay`: memory samples replayed with each incoming batch. */
export function replayCountOption(fallback: number, description = 'memory samples replayed with each incoming batch'): NumberSpec {
  return integer(fallback, { min: 0 }, description);
}

/** `memory` of a strategy whose replay reservoir is optional (0: none). */
export function optionalReservoirOption(description: string): NumberSpec {
  return integer(0, { min: 0 }, description);
}

/** `replayBatch`: memory samples replayed per step, by default the run's batch size (`strategy` names who needs it). */
export function replayBatchOption(strategy: string): NumberSpec {
  return integer(
    computed('the batch size', (ctx) => needed(ctx, 'batchSize', strategy)),
    { min: 1 },
    'memory samples replayed per step',
  );
}
