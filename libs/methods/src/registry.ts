import { InvalidArgumentError } from '@mneme/errors';
import { active, ACTIVE_OPTIONS } from './active.js';
import { adapter, ADAPTER_OPTIONS } from './adapter.js';
import { codaPrompt, CODA_PROMPT_OPTIONS } from './coda-prompt.js';
import { curriculum, CURRICULUM_OPTIONS } from './curriculum.js';
import { distill, DISTILL_OPTIONS } from './distill.js';
import { dualPrompt, DUAL_PROMPT_OPTIONS } from './dual-prompt.js';
import { er, ER_OPTIONS } from './er.js';
import { expandingHead, EXPANDING_HEAD_OPTIONS } from './expanding-head.js';
import { joint, JOINT_OPTIONS } from './joint.js';
import { knn, KNN_OPTIONS } from './knn.js';
import { knnHead, KNN_HEAD_OPTIONS } from './knn-head.js';
import { l2p, L2P_OPTIONS } from './l2p.js';
import { mir, MIR_OPTIONS } from './mir.js';
import { naive, NAIVE_OPTIONS } from './naive.js';
import { ranpac, RANPAC_OPTIONS } from './ranpac.js';
import { formatStrategyOptionsHelp, type OptionSchema } from './option-schema.js';
import type { StrategyFactory } from './strategy.js';
import { taskHeads, TASK_HEADS_OPTIONS } from './task-heads.js';

/** Every strategy by its CLI name (the method file's name). */
export const STRATEGIES: Readonly<Record<string, StrategyFactory>> = Object.freeze({
  naive,
  joint,
  er,
  mir,
  curriculum,
  active,
  'task-heads': taskHeads,
  'expanding-head': expandingHead,
  adapter,
  l2p,
  'dual-prompt': dualPrompt,
  'coda-prompt': codaPrompt,
  distill,
  knn,
  'knn-head': knnHead,
  ranpac,
});

/**
 * Every strategy's declared options by its CLI name (the schema its factory reads with), for help
 * and validation. A new strategy adds one line here beside its line in {@link STRATEGIES}.
 */
export const STRATEGY_OPTIONS: Readonly<Record<string, OptionSchema>> = Object.freeze({
  naive: NAIVE_OPTIONS,
  joint: JOINT_OPTIONS,
  er: ER_OPTIONS,
  mir: MIR_OPTIONS,
  curriculum: CURRICULUM_OPTIONS,
  active: ACTIVE_OPTIONS,
  'task-heads': TASK_HEADS_OPTIONS,
  'expanding-head': EXPANDING_HEAD_OPTIONS,
  adapter: ADAPTER_OPTIONS,
  l2p: L2P_OPTIONS,
  'dual-prompt': DUAL_PROMPT_OPTIONS,
  'coda-prompt': CODA_PROMPT_OPTIONS,
  distill: DISTILL_OPTIONS,
  knn: KNN_OPTIONS,
  'knn-head': KNN_HEAD_OPTIONS,
  ranpac: RANPAC_OPTIONS,
});

/** The declared options of a strategy name (undefined for a strategy that declares none). */
export function strategyOptions(name: string): OptionSchema | undefined {
  return STRATEGY_OPTIONS[name];
}

/** Every strategy's `--set` options as help text, one block per strategy, in registry order. */
export function strategyOptionsHelp(indent = '  '): string {
  return formatStrategyOptionsHelp(Object.keys(STRATEGIES), STRATEGY_OPTIONS, indent);
}

/** The factory of a strategy name; an unknown name lists the valid ones. */
export function strategyFactory(name: string): StrategyFactory {
  const factory = STRATEGIES[name];
  if (factory === undefined) {
    throw new InvalidArgumentError(`unknown strategy '${name}'; valid strategies: ${Object.keys(STRATEGIES).sort().join(', ')}`);
  }
  return factory;
}
