import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '@mneme/engine';
import type { StrategyState } from '@mneme/methods';
import { writeFileAtomic } from './atomic-file.js';

const PARAMS = 'params.ckpt';
const DATA = 'state.json';

/**
 * Saves a strategy's state into folder `dir`: parameters and optimizer state as a checksummed
 * checkpoint, bookkeeping (memories, counters, random state) as JSON. Each file is written
 * atomically; the caller publishes the folder (e.g. by writing its record last).
 */
export async function saveStrategyState(dir: string, state: StrategyState): Promise<void> {
  await mkdir(dir, { recursive: true });
  await saveCheckpoint(join(dir, PARAMS), state.params);
  await writeFileAtomic(join(dir, DATA), JSON.stringify(state.data));
}

/** Reads back what {@link saveStrategyState} wrote. */
export async function loadStrategyState(dir: string): Promise<StrategyState> {
  const params = await loadCheckpoint(join(dir, PARAMS));
  const data = JSON.parse(await readFile(join(dir, DATA), 'utf8')) as Record<string, unknown>;
  return { params, data };
}
