import { join } from 'node:path';
import { NotFoundError } from '@mneme/errors';
import { type DataDirOptions, locateDataSet } from './data-dir.js';
import { loadTextSet } from './load-text-set.js';
import type { TextSet } from './text-set.js';

/**
 * Reads the prepared SNIPS set (Coucke et al. 2018; the 13,084 / 700 / 700 split of Goo et al.
 * 2018, 7 intents) from `<data dir>/snips` (`train.jsonl`, `val.jsonl`, `test.jsonl`).
 */
export async function loadSnips(options: DataDirOptions = {}): Promise<TextSet> {
  const location = locateDataSet('snips', options);
  if (!location.exists) throw new NotFoundError(location.missingMessage);
  return loadTextSet(['train.jsonl', 'val.jsonl', 'test.jsonl'].map((file) => join(location.path, file)));
}
