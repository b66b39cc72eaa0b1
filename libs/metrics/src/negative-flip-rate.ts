import { InvalidArgumentError } from '@mneme/errors';
import type { MetricValue } from './definitions.js';

/**
 * Negative flip rate between two model versions (Yan et al. 2021): the fraction of samples the old
 * version got right and the new version gets wrong, NFR = (1/N) Σ 1[ŷ_old = y ∧ ŷ_new ≠ y].
 */
export function negativeFlipRate(
  oldPredictions: ArrayLike<number>,
  newPredictions: ArrayLike<number>,
  labels: ArrayLike<number>,
): MetricValue {
  const n = labels.length;
  if (n === 0 || oldPredictions.length !== n || newPredictions.length !== n) {
    throw new InvalidArgumentError(
      `old predictions, new predictions and labels must be non-empty and equally long, got ${oldPredictions.length}, ${newPredictions.length}, ${n}`,
    );
  }
  let flips = 0;
  for (let i = 0; i < n; i++) if (oldPredictions[i] === labels[i] && newPredictions[i] !== labels[i]) flips++;
  return { value: flips / n, definition: 'negative-flip-rate' };
}
