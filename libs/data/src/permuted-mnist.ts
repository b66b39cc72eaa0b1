import { InvalidArgumentError } from '@mneme/errors';
import { Rng } from '@mneme/random';
import type { Dataset } from './dataset.js';
import { domainIncremental, type DomainIncrementalOptions } from './domain-incremental.js';
import type { Scenario } from './scenario.js';

/**
 * A data set whose images have their pixels reordered: pixel `p` of a gathered image is pixel
 * `permutation[p]` of the original. `permutation` must be a permutation of `0 … d−1` for the
 * data set's `d` pixels.
 */
export function permutePixels(dataset: Dataset<Float32Array>, permutation: Int32Array, name: string): Dataset<Float32Array> {
  const d = (dataset.inputShape ?? []).reduce((a, b) => a * b, 1);
  const seen = new Uint8Array(d);
  const valid = permutation.length === d && permutation.every((p) => p >= 0 && p < d && seen[p]!++ === 0);
  if (!valid) throw new InvalidArgumentError(`${name}: the permutation must reorder exactly the ${d} pixels 0 … ${d - 1}`);
  return Object.freeze({
    ...dataset,
    name,
    gather(indices: ArrayLike<number>): Float32Array {
      const original = dataset.gather(indices);
      const out = new Float32Array(original.length);
      for (let row = 0; row < original.length; row += d) {
        for (let p = 0; p < d; p++) out[row + p] = original[row + permutation[p]!]!;
      }
      return out;
    },
  });
}

/** Options of {@link permutedMnist}. */
export interface PermutedMnistOptions extends DomainIncrementalOptions {
  /** Number of experiences, each with its own pixel permutation. */
  readonly experiences: number;
  /** Leave the first experience unpermuted (some papers do; Lopez-Paz & Ranzato 2017 permute all). @default false */
  readonly identityFirst?: boolean;
}

/** A Permuted-MNIST scenario and the permutation of each experience. */
export interface PermutedScenario extends Scenario<Float32Array, 'domain-incremental'> {
  /** The pixel permutation of each experience (see {@link permutePixels}). */
  readonly permutations: readonly Int32Array[];
}

/**
 * Permuted-MNIST (Goodfellow et al. 2013; Lopez-Paz & Ranzato 2017): a domain-incremental scenario
 * whose experience `i` is the image data set under a fixed seeded pixel permutation. Each
 * experience draws its own `trainPerExperience` samples (e.g. 1,000) from the training split; the
 * test part of every experience is the held-out split under that experience's permutation.
 */
export function permutedMnist(dataset: Dataset<Float32Array>, options: PermutedMnistOptions): PermutedScenario {
  if (!Number.isInteger(options.experiences) || options.experiences <= 0) {
    throw new InvalidArgumentError(`experiences must be a positive integer, got ${options.experiences}`);
  }
  if (!Number.isInteger(options.seed)) throw new InvalidArgumentError(`seed must be an integer, got ${options.seed}`);
  const d = (dataset.inputShape ?? []).reduce((a, b) => a * b, 1);
  // The permutations come from the seed's own sequence; the sample draws of domainIncremental come
  // from jumped-ahead forks of the same seed, so the two never overlap.
  const rng = Rng.seeded(options.seed);
  const permutations = Array.from({ length: options.experiences }, (_, i) => {
    const order = Array.from({ length: d }, (_, p) => p);
    return Int32Array.from(i === 0 && options.identityFirst === true ? order : rng.shuffle(order));
  });
  const domains = permutations.map((permutation, i) => permutePixels(dataset, permutation, `${dataset.name}/permuted-${i}`));
  const scenario = domainIncremental(domains, options);
  return Object.freeze({ ...scenario, dataset: dataset.name, permutations: Object.freeze(permutations) });
}
