import { InvalidArgumentError } from '@mneme/errors';
import { gatherRows } from '@mneme/tensor';
import { checkImageSet, type ImageSet } from './image-set.js';
import type { SplitName } from './split-name.js';
import { textLabelNames, type TextSet } from './text-set.js';

/**
 * A labelled data set that scenario builders draw from: labels are indices into `classes` (a
 * stable label → index map), every sample belongs to a split, and inputs are materialised only
 * for the samples asked for. `X` is the batch type: `Float32Array` (`k × d` features) for images,
 * `string[]` for text.
 */
export interface Dataset<X> {
  /** A name for reports and error messages. */
  readonly name: string;
  /** Class names; label `k` means `classes[k]`. */
  readonly classes: readonly string[];
  /** The class index of every sample. */
  readonly labels: Int32Array;
  /** The split of every sample. */
  readonly splits: readonly SplitName[];
  /** Shape of one sample's input (`[28, 28]` for the image sets); `undefined` for text. */
  readonly inputShape: readonly number[] | undefined;
  /** The inputs of the samples at `indices`, in that order. */
  gather(indices: ArrayLike<number>): X;
}

/**
 * An image set as a {@link Dataset}; `splits` (one per image, e.g. from `holdoutSplit`) says which
 * images are for training, validation and test. Gathered batches are `k × (height·width)` copies.
 */
export function imageDataset(name: string, set: ImageSet, splits: readonly SplitName[]): Dataset<Float32Array> {
  checkImageSet(set);
  checkSplitCount(name, splits, set.labels.length);
  const d = set.shape[0] * set.shape[1];
  return Object.freeze({
    name,
    classes: set.classNames,
    labels: set.labels,
    splits: Object.freeze([...splits]),
    inputShape: Object.freeze([...set.shape]),
    gather(indices: ArrayLike<number>): Float32Array {
      for (let j = 0; j < indices.length; j++) checkIndex(name, indices[j]!, set.labels.length);
      return gatherRows(set.features, d, indices);
    },
  });
}

/**
 * A text set as a {@link Dataset}; classes are the sorted distinct label names, so the label →
 * index map does not depend on file order.
 */
export function textDataset(name: string, set: TextSet): Dataset<string[]> {
  checkSplitCount(name, set.splits, set.texts.length);
  if (set.labels.length !== set.texts.length) {
    throw new InvalidArgumentError(`${name}: ${set.texts.length} texts but ${set.labels.length} labels`);
  }
  const classes = textLabelNames(set);
  const index = new Map(classes.map((label, k) => [label, k]));
  return Object.freeze({
    name,
    classes,
    labels: Int32Array.from(set.labels, (label) => index.get(label)!),
    splits: Object.freeze([...set.splits]),
    inputShape: undefined,
    gather(indices: ArrayLike<number>): string[] {
      return Array.from(indices, (i) => set.texts[checkIndex(name, i, set.texts.length)]!);
    },
  });
}

function checkSplitCount(name: string, splits: readonly SplitName[], n: number): void {
  if (splits.length !== n) throw new InvalidArgumentError(`${name}: ${splits.length} split entries for ${n} samples`);
}

function checkIndex(name: string, i: number, n: number): number {
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new InvalidArgumentError(`${name}: sample index ${i} is outside [0, ${n})`);
  return i;
}
