import { InvalidArgumentError } from '@mneme/errors';
import { active, ACTIVE_OPTIONS } from './curriculum/active.js';
import { adapter, ADAPTER_OPTIONS } from './heads/adapter.js';
import { codaPrompt, CODA_PROMPT_OPTIONS } from './prompting/coda-prompt.js';
import { curriculum, CURRICULUM_OPTIONS } from './curriculum/curriculum.js';
import { distill, DISTILL_OPTIONS } from './distillation/distill.js';
import { dualPrompt, DUAL_PROMPT_OPTIONS } from './prompting/dual-prompt.js';
import { er, ER_OPTIONS } from './replay/er.js';
import { expandingHead, EXPANDING_HEAD_OPTIONS } from './heads/expanding-head.js';
import { joint, JOINT_OPTIONS } from './baselines/joint.js';
import { knn, KNN_OPTIONS } from './retrieval/knn.js';
import { knnHead, KNN_HEAD_OPTIONS } from './retrieval/knn-head.js';
import { l2p, L2P_OPTIONS } from './prompting/l2p.js';
import { mir, MIR_OPTIONS } from './replay/mir.js';
import { naive, NAIVE_OPTIONS } from './baselines/naive.js';
import { ranpac, RANPAC_OPTIONS } from './heads/ranpac.js';
import type { PromptPoolMethod, StrategyCapabilities } from './capabilities.js';
import { formatStrategyOptionsHelp, type OptionSchema } from './option-schema.js';
import type { StrategyFactory } from './strategy.js';
import { taskHeads, TASK_HEADS_OPTIONS } from './heads/task-heads.js';

/** A strategy's registration: how it is built, the options it reads, and what it needs from the code around it. */
export interface StrategyRegistration {
  readonly factory: StrategyFactory;
  /** The schema its factory reads `ctx.options` with (help and validation). */
  readonly options: OptionSchema;
  readonly capabilities: StrategyCapabilities;
}

/** A feature-level strategy that learns online (the common case); `softmaxHead` says whether its predictor is one classifier. */
const online = (softmaxHead: boolean): StrategyCapabilities => ({
  inputs: 'features',
  training: 'online',
  softmaxHead,
  distillsItself: false,
});
/** A token-level prompt strategy whose prompts form a pool of `method`. */
const prompted = (method: PromptPoolMethod): StrategyCapabilities => ({
  inputs: 'tokens',
  training: 'online',
  promptPool: method,
  softmaxHead: false,
  distillsItself: false,
});

/**
 * Every strategy by its CLI name (the method file's name), in help order. A new strategy adds one
 * line here; benchmarks, services and the CLI read its capabilities, never its name.
 */
export const STRATEGY_REGISTRY: Readonly<Record<string, StrategyRegistration>> = Object.freeze({
  naive: { factory: naive, options: NAIVE_OPTIONS, capabilities: online(true) },
  // Keeps every sample and retrains on all of them at each experience's end.
  joint: { factory: joint, options: JOINT_OPTIONS, capabilities: { ...online(true), training: 'offline' } },
  er: { factory: er, options: ER_OPTIONS, capabilities: online(true) },
  mir: { factory: mir, options: MIR_OPTIONS, capabilities: online(true) },
  curriculum: { factory: curriculum, options: CURRICULUM_OPTIONS, capabilities: online(true) },
  active: { factory: active, options: ACTIVE_OPTIONS, capabilities: online(true) },
  'task-heads': { factory: taskHeads, options: TASK_HEADS_OPTIONS, capabilities: online(false) },
  'expanding-head': { factory: expandingHead, options: EXPANDING_HEAD_OPTIONS, capabilities: online(false) },
  adapter: { factory: adapter, options: ADAPTER_OPTIONS, capabilities: online(false) },
  l2p: { factory: l2p, options: L2P_OPTIONS, capabilities: prompted('l2p') },
  'dual-prompt': { factory: dualPrompt, options: DUAL_PROMPT_OPTIONS, capabilities: prompted('dual-prompt') },
  'coda-prompt': { factory: codaPrompt, options: CODA_PROMPT_OPTIONS, capabilities: prompted('coda-prompt') },
  distill: { factory: distill, options: DISTILL_OPTIONS, capabilities: { ...online(false), distillsItself: true } },
  knn: { factory: knn, options: KNN_OPTIONS, capabilities: online(false) },
  'knn-head': { factory: knnHead, options: KNN_HEAD_OPTIONS, capabilities: online(false) },
  ranpac: { factory: ranpac, options: RANPAC_OPTIONS, capabilities: online(false) },
} satisfies Record<string, StrategyRegistration>);

const registered = <T>(of: (r: StrategyRegistration) => T): Readonly<Record<string, T>> =>
  Object.freeze(Object.fromEntries(Object.entries(STRATEGY_REGISTRY).map(([name, r]) => [name, of(r)])));

/** Every strategy's factory by its CLI name (from {@link STRATEGY_REGISTRY}). */
export const STRATEGIES: Readonly<Record<string, StrategyFactory>> = registered((r) => r.factory);

/** Every strategy's declared options by its CLI name (from {@link STRATEGY_REGISTRY}), for help and validation. */
export const STRATEGY_OPTIONS: Readonly<Record<string, OptionSchema>> = registered((r) => r.options);

/** Every strategy's capabilities by its CLI name (from {@link STRATEGY_REGISTRY}). */
export const STRATEGY_CAPABILITIES: Readonly<Record<string, StrategyCapabilities>> = registered((r) => r.capabilities);

/** The declared options of a strategy name (undefined for a strategy that declares none). */
export function strategyOptions(name: string): OptionSchema | undefined {
  return STRATEGY_OPTIONS[name];
}

/** Every strategy's `--set` options as help text, one block per strategy, in registry order. */
export function strategyOptionsHelp(indent = '  '): string {
  return formatStrategyOptionsHelp(Object.keys(STRATEGIES), STRATEGY_OPTIONS, indent);
}

/**
 * The registration of a strategy name.
 *
 * @throws InvalidArgumentError for an unknown name, listing the valid ones
 */
export function strategyRegistration(name: string): StrategyRegistration {
  // Own keys only: a name like 'toString' is no strategy.
  const registration = Object.hasOwn(STRATEGY_REGISTRY, name) ? STRATEGY_REGISTRY[name] : undefined;
  if (registration === undefined) {
    throw new InvalidArgumentError(`unknown strategy '${name}'; valid strategies: ${Object.keys(STRATEGY_REGISTRY).sort().join(', ')}`);
  }
  return registration;
}

/** The factory of a strategy name. @throws InvalidArgumentError for an unknown name, listing the valid ones */
export function strategyFactory(name: string): StrategyFactory {
  return strategyRegistration(name).factory;
}

/**
 * What a strategy needs from the code around it (token inputs, offline training, a prompt pool, ...),
 * which benchmarks, services and the CLI read instead of testing its name.
 *
 * @throws InvalidArgumentError for an unknown name, listing the valid ones
 */
export function strategyCapabilities(name: string): StrategyCapabilities {
  return strategyRegistration(name).capabilities;
}
