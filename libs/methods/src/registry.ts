import { InvalidArgumentError } from '@mneme/errors';
import { active } from './active.js';
import { adapter } from './adapter.js';
import { curriculum } from './curriculum.js';
import { distill } from './distill.js';
import { er } from './er.js';
import { expandingHead } from './expanding-head.js';
import { joint } from './joint.js';
import { knn } from './knn.js';
import { knnHead } from './knn-head.js';
import { l2p } from './l2p.js';
import { mir } from './mir.js';
import { naive } from './naive.js';
import { ranpac } from './ranpac.js';
import type { StrategyFactory } from './strategy.js';
import { taskHeads } from './task-heads.js';

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
  distill,
  knn,
  'knn-head': knnHead,
  ranpac,
});

/** The factory of a strategy name; an unknown name lists the valid ones. */
export function strategyFactory(name: string): StrategyFactory {
  const factory = STRATEGIES[name];
  if (factory === undefined) {
    throw new InvalidArgumentError(`unknown strategy '${name}'; valid strategies: ${Object.keys(STRATEGIES).sort().join(', ')}`);
  }
  return factory;
}
