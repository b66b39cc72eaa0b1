import { InvalidArgumentError } from '@mneme/errors';
import { type AccuracyMatrix, accuracyMatrix, experienceCount } from './accuracy-matrix.js';
import type { MetricValue } from './definitions.js';

// Lopez-Paz & Ranzato 2017 (GEM), Sec. 2: with R_{i,j} the test accuracy on task j after
// observing the last sample of task i, over T tasks. All three need the finished matrix (T rows).

/** ACC = (1/T) Σ_{i=1..T} R_{T,i}: mean final accuracy over all experiences (Lopez-Paz & Ranzato 2017). */
export function averageFinalAccuracy(matrix: AccuracyMatrix): MetricValue {
  const r = finished(matrix, 1);
  const t = experienceCount(r);
  const last = r[t - 1]!;
  return { value: sum(last) / t, definition: 'acc-lopez-paz-2017' };
}

/**
 * BWT = (1/(T−1)) Σ_{i=1..T−1} (R_{T,i} − R_{i,i}): how learning later experiences changed accuracy
 * on earlier ones; negative is forgetting (Lopez-Paz & Ranzato 2017). Needs T ≥ 2.
 */
export function backwardTransfer(matrix: AccuracyMatrix): MetricValue {
  const r = finished(matrix, 2);
  const t = experienceCount(r);
  let total = 0;
  for (let i = 0; i < t - 1; i++) total += r[t - 1]![i]! - r[i]![i]!;
  return { value: total / (t - 1), definition: 'bwt-lopez-paz-2017' };
}

/**
 * FWT = (1/(T−1)) Σ_{i=2..T} (R_{i−1,i} − b_i): how learning earlier experiences changed accuracy
 * on the next one before it was trained, against `randomInit[i]` = b_i, the test accuracy on
 * experience i of the model at random initialisation (Lopez-Paz & Ranzato 2017). Needs T ≥ 2.
 */
export function forwardTransfer(matrix: AccuracyMatrix, randomInit: readonly number[]): MetricValue {
  const r = finished(matrix, 2);
  const t = experienceCount(r);
  if (randomInit.length !== t || !randomInit.every((b) => b >= 0 && b <= 1)) {
    throw new InvalidArgumentError(`randomInit needs one accuracy in [0, 1] per experience (${t}), got [${randomInit.join(', ')}]`);
  }
  let total = 0;
  for (let i = 1; i < t; i++) total += r[i - 1]![i]! - randomInit[i]!;
  return { value: total / (t - 1), definition: 'fwt-lopez-paz-2017' };
}

function finished(matrix: AccuracyMatrix, minExperiences: number): AccuracyMatrix {
  const r = accuracyMatrix(matrix);
  const t = experienceCount(r);
  if (r.length !== t) throw new InvalidArgumentError(`this metric needs the finished matrix: ${r.length} of ${t} rows`);
  if (t < minExperiences) throw new InvalidArgumentError(`this metric needs at least ${minExperiences} experiences, got ${t}`);
  return r;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
