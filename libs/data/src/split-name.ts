/** The part of a data set a sample belongs to. */
export type SplitName = 'train' | 'validation' | 'test';

/** Every split name, in the order train, validation, test. */
export const SPLIT_NAMES: readonly SplitName[] = Object.freeze(['train', 'validation', 'test']);

/** Spellings found in published data files, mapped to the canonical split name. */
const SPLIT_ALIASES: Readonly<Record<string, SplitName>> = Object.freeze({
  train: 'train',
  training: 'train',
  validation: 'validation',
  val: 'validation',
  valid: 'validation',
  dev: 'validation',
  test: 'test',
});

/**
 * The canonical split name for a spelling used in data files (`train`, `training`, `val`, `valid`,
 * `dev`, `validation`, `test`; case-insensitive), or `undefined` when it is none of them.
 */
export function parseSplitName(raw: string): SplitName | undefined {
  return SPLIT_ALIASES[raw.trim().toLowerCase()];
}
