import { InvalidArgumentError } from '@mneme/errors';
import type { StrategyState } from '../strategy.js';

/**
 * The class count a saved state records (`data.classes`), for strategies whose classes are not
 * visible in their parameters (memories, block heads); `initial` when the state predates it.
 *
 * @throws InvalidArgumentError when the recorded count is not a non-negative integer
 */
export function savedClassCount(state: StrategyState, initial: number): number {
  const saved = state.data['classes'];
  if (saved === undefined) return initial;
  if (typeof saved !== 'number' || !Number.isInteger(saved) || saved < 0)
    throw new InvalidArgumentError(`the saved state's class count must be a non-negative integer, got ${JSON.stringify(saved)}`);
  return saved;
}
