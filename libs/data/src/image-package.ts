import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { InvalidArgumentError, NotFoundError } from '@mneme/errors';
import type { ImageSet } from './image-set.js';

const require = createRequire(import.meta.url);

/** Side of the 28×28 images both npm image packages ship. */
export const IMAGE_SIDE = 28;
/** Pixels per image. */
export const IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE;

/** Options of `loadMnist` and `loadFashionMnist`. */
export interface ImageLoadOptions {
  /** Keep only the first `perClass` images of each class (in the package's order). @default all */
  readonly perClass?: number;
}

/**
 * Reads the `data` array of one class file shipped inside an installed npm package
 * (`pkg/sub/path.json`). The file is read directly rather than through the package's entry point,
 * which would load every class file at once and keep them all alive.
 */
export async function readClassFile(specifier: string): Promise<unknown[]> {
  let file: string;
  try {
    file = require.resolve(specifier);
  } catch (err) {
    throw new NotFoundError(`cannot find ${specifier}: is its package installed (npm install)?`, { cause: err });
  }
  const json = JSON.parse(await readFile(file, 'utf8')) as unknown;
  const data = typeof json === 'object' && json !== null ? (json as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) throw new InvalidArgumentError(`${specifier}: expected an object with a "data" array`);
  return data;
}

/** Throws unless `perClass` is absent or a positive integer. */
export function checkPerClass(perClass: number | undefined): void {
  if (perClass !== undefined && (!Number.isInteger(perClass) || perClass <= 0)) {
    throw new InvalidArgumentError(`perClass must be a positive integer, got ${perClass}`);
  }
}

/** Joins per-class pixel blocks (class `k` at position `k`) into one image set of 28×28 images. */
export function concatClasses(perClass: readonly Float32Array[], classNames: readonly string[]): ImageSet {
  const total = perClass.reduce((sum, block) => sum + block.length, 0);
  const features = new Float32Array(total);
  const labels = new Int32Array(total / IMAGE_PIXELS);
  let offset = 0;
  perClass.forEach((block, k) => {
    features.set(block, offset);
    labels.fill(k, offset / IMAGE_PIXELS, (offset + block.length) / IMAGE_PIXELS);
    offset += block.length;
  });
  return { features, labels, shape: [IMAGE_SIDE, IMAGE_SIDE], classNames };
}
