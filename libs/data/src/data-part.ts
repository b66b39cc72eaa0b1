import { InvalidArgumentError } from '@mneme/errors';
import type { Dataset } from './dataset.js';

/** A batch of samples: their inputs, class indices and dataset indices (stable sample ids). */
export interface Batch<X> {
  readonly inputs: X;
  /** Class index of each sample, into the scenario's `classes`. */
  readonly labels: Int32Array;
  /** Index of each sample in its data set: a stable id (for replay memories, de-duplication). */
  readonly indices: Int32Array;
}

/** An ordered selection of a data set's samples: one part (train, validation or test) of an experience. */
export interface DataPart<X> {
  /** Number of samples. */
  readonly size: number;
  /** Class index of each sample, into the scenario's `classes`. */
  readonly labels: Int32Array;
  /** Index of each sample in the data set. */
  readonly indices: Int32Array;
  /** The samples at `positions` (0 ≤ position < size), in that order; all of them when omitted. */
  batch(positions?: ArrayLike<number>): Batch<X>;
}

/** The samples `indices` of `dataset`, in that order, as a {@link DataPart}. */
export function dataPart<X>(dataset: Dataset<X>, indices: Int32Array): DataPart<X> {
  const labels = Int32Array.from(indices, (i) => dataset.labels[i]!);
  return Object.freeze({
    size: indices.length,
    labels,
    indices,
    batch(positions?: ArrayLike<number>): Batch<X> {
      if (positions === undefined) return { inputs: dataset.gather(indices), labels: labels.slice(), indices: indices.slice() };
      const picked = Int32Array.from(positions, (p) => {
        if (!Number.isInteger(p) || p < 0 || p >= indices.length) {
          throw new InvalidArgumentError(`position ${p} is outside this part of ${indices.length} samples`);
        }
        return indices[p]!;
      });
      return { inputs: dataset.gather(picked), labels: Int32Array.from(picked, (i) => dataset.labels[i]!), indices: picked };
    },
  });
}
