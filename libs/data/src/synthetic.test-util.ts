import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageDataset, type Dataset, type ImageSet, type SplitName } from './index.js';

/**
 * A tiny 2×2 image set: `perClass[k]` images of class `k`, class by class; every pixel value is
 * distinct (`(offset + 1) / (total + 1)`), so a gathered row identifies its image.
 */
export function tinyImages(perClass: readonly number[], classNames = perClass.map((_, k) => `c${k}`)): ImageSet {
  const n = perClass.reduce((a, b) => a + b, 0);
  const features = Float32Array.from({ length: n * 4 }, (_, i) => (i + 1) / (n * 4 + 1));
  const labels = Int32Array.from(perClass.flatMap((count, k) => Array<number>(count).fill(k)));
  return { features, labels, shape: [2, 2], classNames };
}

/**
 * A tiny image data set: within each class, positions 0, testEvery, 2·testEvery, … are test
 * samples, position 1 is a validation sample when `withValidation`, the rest are training samples.
 */
export function tinyDataset(perClass: readonly number[], testEvery = 4, withValidation = false): Dataset<Float32Array> {
  const set = tinyImages(perClass);
  const splits: SplitName[] = [];
  for (const count of perClass) {
    for (let i = 0; i < count; i++) {
      splits.push(i % testEvery === 0 ? 'test' : withValidation && i === 1 ? 'validation' : 'train');
    }
  }
  return imageDataset('tiny', set, splits);
}

/** Writes `files` (name → content) into a fresh temporary directory and returns its path. */
export async function tempFiles(files: Readonly<Record<string, string>>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mneme-data-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content, 'utf8');
  return dir;
}
