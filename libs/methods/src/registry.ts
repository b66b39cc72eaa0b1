import { InvalidArgumentError } from '@mneme/errors';
import { joint } from './joint.js';
import { naive } from './naive.js';
import type { StrategyFactory } from './strategy.js';

/** Every strategy by its CLI name (the method file's name). */
export const STRATEGIES: Readonly<Record<string, StrategyFactory>> = Object.freeze({
  naive,
  joint,
});

/** The factory of a strategy name; an unknown name lists the valid ones. */
export function strategyFactory(name: string): StrategyFactory {
  const factory = STRATEGIES[name];
  if (factory === undefined) {
    throw new InvalidArgumentError(`unknown strategy '${name}'; valid strategies: ${Object.keys(STRATEGIES).sort().join(', ')}`);
  }
  return factory;
}
