import { InvalidArgumentError } from '@mneme/errors';
import type { MetricValue } from './definitions.js';

/** Maps a test label to the class index a model predicts for it; `undefined` while the model has no class for it. */
export interface ClassLookup<L> {
  get(label: L): number | undefined;
}

/**
 * Which predictions are right: `hits[n]` is 1 when `predicted[n]` is the class `classOf` gives
 * `labels[n]`. A label without a class (not arrived yet, or not learned by the version) is never
 * right, and neither is the prediction −1 (a model that knows no class yet). Refuses an empty test
 * set and predictions that do not match the labels one to one.
 */
export function predictionHits<L>(predicted: ArrayLike<number>, labels: ArrayLike<L>, classOf: ClassLookup<L>): Uint8Array {
  // An empty set would score 0 / 0: reported as 0 % (or NaN) it reads as a model that forgot everything.
  if (labels.length === 0)
    throw new InvalidArgumentError('a test set of no samples has no accuracy: give every experience at least one test sample');
  if (predicted.length !== labels.length)
    throw new InvalidArgumentError(`got ${predicted.length} predictions for ${labels.length} test samples`);
  const hits = new Uint8Array(labels.length);
  for (let n = 0; n < labels.length; n++) {
    const p = predicted[n]!;
    hits[n] = p >= 0 && p === classOf.get(labels[n]!) ? 1 : 0;
  }
  return hits;
}

/**
 * The accuracy of one test set, an entry of an accuracy-matrix row (definition `accuracy`): the
 * fraction of {@link predictionHits}. Labels are mapped to classes by `classOf`, as the model
 * indexed them (e.g. in order of arrival). Throws for an empty test set.
 */
export function rowAccuracy<L>(predicted: ArrayLike<number>, labels: ArrayLike<L>, classOf: ClassLookup<L>): MetricValue {
  const hits = predictionHits(predicted, labels, classOf);
  let correct = 0;
  for (const h of hits) correct += h;
  return { value: correct / hits.length, definition: 'accuracy' };
}
