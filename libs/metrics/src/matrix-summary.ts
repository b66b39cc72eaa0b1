import { type AccuracyMatrix, accuracyMatrix, experienceCount } from './accuracy-matrix.js';
import type { MetricValue } from './definitions.js';
import { averageForgetting } from './forgetting-metrics.js';
import { averageFinalAccuracy, backwardTransfer, forwardTransfer } from './transfer-metrics.js';

/** The four numbers a continual-learning run reports, each naming its definition. */
export interface MatrixSummary {
  /** ACC (Lopez-Paz & Ranzato 2017): mean final accuracy. */
  readonly acc: MetricValue;
  /** BWT (Lopez-Paz & Ranzato 2017); NaN with one experience. */
  readonly bwt: MetricValue;
  /** FWT (Lopez-Paz & Ranzato 2017); NaN with one experience or without b_j. */
  readonly fwt: MetricValue;
  /** Average forgetting F_T (Chaudhry et al. 2018); NaN with one experience. */
  readonly forgetting: MetricValue;
}

/**
 * ACC, BWT, FWT and forgetting of a finished (T × T) accuracy matrix. Transfer and forgetting compare
 * experiences, so with T = 1 they are NaN (undefined, not 0: a 0 would read as "no forgetting").
 * FWT needs `randomInit` (b_j, the untrained model's accuracy per experience); without it FWT is NaN.
 */
export function summariseMatrix(rows: AccuracyMatrix, randomInit?: readonly number[]): MatrixSummary {
  const matrix = accuracyMatrix(rows);
  const single = experienceCount(matrix) < 2;
  const nan = (definition: MetricValue['definition']): MetricValue => ({ value: Number.NaN, definition });
  return {
    acc: averageFinalAccuracy(matrix),
    bwt: single ? nan('bwt-lopez-paz-2017') : backwardTransfer(matrix),
    fwt: single || randomInit === undefined ? nan('fwt-lopez-paz-2017') : forwardTransfer(matrix, randomInit),
    forgetting: single ? nan('forgetting-chaudhry-2018') : averageForgetting(matrix),
  };
}
