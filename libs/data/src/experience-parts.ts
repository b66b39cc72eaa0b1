import { InvalidArgumentError } from '@mneme/errors';
import type { Rng } from '@mneme/random';
import { dataPart, type DataPart } from './data-part.js';
import type { Dataset } from './dataset.js';
import type { SplitName } from './split-name.js';

/** How many samples each experience keeps of each part; all available when unset. */
export interface ExperienceSizes {
  /** Training samples per experience, drawn at random (seeded) from the experience's training pool. @default all */
  readonly trainPerExperience?: number;
  /** Validation samples per experience, drawn at random (seeded). @default all */
  readonly validationPerExperience?: number;
  /** Test samples per experience, drawn at random (seeded). @default all */
  readonly testPerExperience?: number;
}

/** Train, validation and test parts of one experience. */
export interface ExperienceParts<X> {
  readonly train: DataPart<X>;
  readonly validation: DataPart<X>;
  readonly test: DataPart<X>;
}

/** Throws unless `seed` is an integer (the seeded generator takes 32-bit integers). */
export function checkSeed(seed: number): void {
  if (!Number.isInteger(seed)) throw new InvalidArgumentError(`seed must be an integer, got ${seed}`);
}

/** Throws unless every size that is set is a positive integer. */
export function checkSizes(sizes: ExperienceSizes): void {
  const problems = (['trainPerExperience', 'validationPerExperience', 'testPerExperience'] as const)
    .filter((key) => sizes[key] !== undefined && !(Number.isInteger(sizes[key]) && sizes[key] > 0))
    .map((key) => `${key} must be a positive integer, got ${sizes[key]}`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
}

/**
 * Builds the parts of experience `index` from the samples of `dataset` whose class is in `classes`:
 * training samples shuffled (seeded), validation and test samples in data-set order. A size larger
 * than the pool is reported in `problems` (the caller throws once for all experiences).
 */
export function experienceParts<X>(
  dataset: Dataset<X>,
  index: number,
  classes: readonly number[],
  sizes: ExperienceSizes,
  rng: Rng,
  problems: string[],
): ExperienceParts<X> {
  const wanted = new Set(classes);
  const pools: Record<SplitName, number[]> = { train: [], validation: [], test: [] };
  for (let i = 0; i < dataset.labels.length; i++) {
    if (wanted.has(dataset.labels[i]!)) pools[dataset.splits[i]!].push(i);
  }
  const take = (split: SplitName, cap: number | undefined, keepOrder: boolean): Int32Array => {
    const pool = pools[split];
    if (cap !== undefined && cap > pool.length) {
      problems.push(`experience ${index} of ${dataset.name} has ${pool.length} ${split} samples, fewer than the ${cap} asked for`);
    }
    const picked = keepOrder && cap === undefined ? pool : rng.shuffle([...pool]).slice(0, cap ?? pool.length);
    return Int32Array.from(keepOrder ? picked.sort((a, b) => a - b) : picked);
  };
  return {
    train: dataPart(dataset, take('train', sizes.trainPerExperience, false)),
    validation: dataPart(dataset, take('validation', sizes.validationPerExperience, true)),
    test: dataPart(dataset, take('test', sizes.testPerExperience, true)),
  };
}
