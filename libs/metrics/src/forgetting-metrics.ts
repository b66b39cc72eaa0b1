import { InvalidArgumentError } from '@mneme/errors';
import { type AccuracyMatrix, accuracyMatrix } from './accuracy-matrix.js';
import type { MetricValue } from './definitions.js';

// Chaudhry et al. 2018 (RWalk), Sec. 3: a_{k,j} is the accuracy on the test set of task j after
// training incrementally through task k. `k` below is 1-based, as in the paper: the number of
// experiences trained so far (row k−1 of the 0-based matrix).

/** A_k = (1/k) Σ_{j=1..k} a_{k,j}: mean accuracy over the experiences seen so far (Chaudhry et al. 2018). */
export function averageAccuracy(matrix: AccuracyMatrix, k: number = matrix.length): MetricValue {
  const a = rowsThrough(matrix, k, 1);
  let total = 0;
  for (let j = 0; j < k; j++) total += a[k - 1]![j]!;
  return { value: total / k, definition: 'average-accuracy-chaudhry-2018', params: { k } };
}

/**
 * F_k = (1/(k−1)) Σ_{j=1..k−1} f_j^k with f_j^k = max_{l∈{1..k−1}} a_{l,j} − a_{k,j}: mean drop from
 * the best accuracy each earlier experience ever had to its accuracy now (Chaudhry et al. 2018).
 * The maximum runs over all earlier rows l = 1..k−1, as the paper writes it. Needs k ≥ 2.
 */
export function averageForgetting(matrix: AccuracyMatrix, k: number = matrix.length): MetricValue {
  const a = rowsThrough(matrix, k, 2);
  let total = 0;
  for (let j = 0; j < k - 1; j++) {
    let best = -Infinity;
    for (let l = 0; l < k - 1; l++) best = Math.max(best, a[l]![j]!);
    total += best - a[k - 1]![j]!;
  }
  return { value: total / (k - 1), definition: 'forgetting-chaudhry-2018', params: { k } };
}

/**
 * I_k = a*_k − a_{k,k}: how much less the incremental learner knows of experience k than a
 * reference trained jointly on experiences 1..k; `jointReference[k−1]` = a*_k (Chaudhry et al. 2018).
 */
export function intransigence(matrix: AccuracyMatrix, jointReference: readonly number[], k: number = matrix.length): MetricValue {
  const a = rowsThrough(matrix, k, 1);
  const reference = jointReference[k - 1];
  if (reference === undefined || !(reference >= 0 && reference <= 1)) {
    throw new InvalidArgumentError(
      `jointReference[${k - 1}] must be the joint model's accuracy on experience ${k}, in [0, 1]; got ${reference}`,
    );
  }
  return { value: reference - a[k - 1]![k - 1]!, definition: 'intransigence-chaudhry-2018', params: { k } };
}

function rowsThrough(matrix: AccuracyMatrix, k: number, minK: number): AccuracyMatrix {
  const a = accuracyMatrix(matrix);
  if (!Number.isInteger(k) || k < minK || k > a.length) {
    throw new InvalidArgumentError(`k must be an integer in [${minK}, ${a.length}] (experiences trained so far), got ${k}`);
  }
  return a;
}
