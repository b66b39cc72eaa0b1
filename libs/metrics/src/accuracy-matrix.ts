import { InvalidArgumentError } from '@mneme/errors';
import type { MetricValue } from './definitions.js';

/**
 * The accuracy matrix: `a[i][j]` is the test accuracy (in [0, 1]) on experience `j` after training
 * through experience `i` (0-based). It has one column per experience (T) and one row per
 * experience trained so far (at most T); a finished run has T rows.
 */
export type AccuracyMatrix = readonly (readonly number[])[];

/**
 * Checks and freezes an accuracy matrix: at least one row, at most as many rows as columns, every
 * row as long as the first, every entry a number in [0, 1]. Collects every problem, then throws.
 */
export function accuracyMatrix(rows: readonly (readonly number[])[]): AccuracyMatrix {
  const problems: string[] = [];
  const t = rows[0]?.length ?? 0;
  if (rows.length === 0 || t === 0) problems.push('an accuracy matrix needs at least one row and one column');
  if (rows.length > t) problems.push(`${rows.length} rows but ${t} experiences: there is one row per experience trained`);
  rows.forEach((row, i) => {
    if (row.length !== t) problems.push(`row ${i} has ${row.length} entries, expected ${t}`);
    row.forEach((v, j) => {
      if (!(v >= 0 && v <= 1)) problems.push(`a[${i}][${j}] = ${v} is not an accuracy in [0, 1]`);
    });
  });
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return Object.freeze(rows.map((row) => Object.freeze([...row])));
}

/** Number of experiences T (columns) of an accuracy matrix. */
export function experienceCount(a: AccuracyMatrix): number {
  return a[0]?.length ?? 0;
}

/** Fraction of `predictions` equal to `labels` (definition `accuracy`). */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): MetricValue {
  checkSameLength(predictions, labels, 'predictions', 'labels');
  let correct = 0;
  for (let n = 0; n < labels.length; n++) if (predictions[n] === labels[n]) correct++;
  return { value: correct / labels.length, definition: 'accuracy' };
}

/** Throws unless `a` and `b` are non-empty and equally long. */
export function checkSameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>, nameA: string, nameB: string): void {
  if (a.length === 0 || a.length !== b.length) {
    throw new InvalidArgumentError(`${nameA} and ${nameB} must be non-empty and equally long, got ${a.length} and ${b.length}`);
  }
}
