import { InvalidArgumentError } from '@mneme/errors';
import { checkSameLength } from './accuracy-matrix.js';

/** Counts of (true class, predicted class) pairs: `counts[t][p]`, rows are true classes. */
export interface ConfusionMatrix {
  readonly numClasses: number;
  readonly counts: readonly (readonly number[])[];
}

/** The confusion matrix of `predictions` against `labels`, both class indices in [0, numClasses). */
export function confusionMatrix(predictions: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): ConfusionMatrix {
  checkSameLength(predictions, labels, 'predictions', 'labels');
  if (!Number.isInteger(numClasses) || numClasses <= 0)
    throw new InvalidArgumentError(`numClasses must be a positive integer, got ${numClasses}`);
  const counts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  const inRange = (v: number): boolean => Number.isInteger(v) && v >= 0 && v < numClasses;
  for (let n = 0; n < labels.length; n++) {
    const [t, p] = [labels[n]!, predictions[n]!];
    if (!inRange(t) || !inRange(p)) throw new InvalidArgumentError(`sample ${n}: label ${t} / prediction ${p} outside [0, ${numClasses})`);
    counts[t]![p]! += 1;
  }
  return { numClasses, counts };
}
