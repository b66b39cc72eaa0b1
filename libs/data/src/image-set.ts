import { InvalidArgumentError } from '@mneme/errors';

/**
 * Labelled greyscale images held as one flat feature matrix: row `i` is image `i`, its pixels in
 * row-major order, scaled to [0, 1].
 */
export interface ImageSet {
  /** `n × (height·width)` pixel values in [0, 1], row-major. */
  readonly features: Float32Array;
  /** The class index of each image, into {@link ImageSet.classNames}. */
  readonly labels: Int32Array;
  /** `[height, width]` of every image. */
  readonly shape: readonly [number, number];
  /** Class names; a label `k` means `classNames[k]`. */
  readonly classNames: readonly string[];
}

/** Number of images in `set`. */
export function imageCount(set: ImageSet): number {
  return set.labels.length;
}

/**
 * Checks that an image set is consistent (feature length, label range, pixel range) and throws an
 * {@link InvalidArgumentError} listing every problem otherwise.
 */
export function checkImageSet(set: ImageSet): ImageSet {
  const problems: string[] = [];
  const [height, width] = set.shape;
  const d = height * width;
  const n = set.labels.length;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
    problems.push(`shape must be two positive integers, got [${set.shape.join(', ')}]`);
  } else if (set.features.length !== n * d) {
    problems.push(`features has ${set.features.length} values; ${n} images of ${height}×${width} need ${n * d}`);
  }
  const classes = set.classNames.length;
  const badLabel = set.labels.findIndex((y) => y < 0 || y >= classes);
  if (badLabel >= 0) problems.push(`image ${badLabel} has label ${set.labels[badLabel]}, outside [0, ${classes})`);
  const badPixel = set.features.findIndex((v) => !(v >= 0 && v <= 1));
  if (badPixel >= 0) problems.push(`pixel value ${set.features[badPixel]} at offset ${badPixel} is outside [0, 1]`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return set;
}
