import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runFolderName, type RunStart } from './experiment-logger.js';

/** Creates (when missing) the folder of `run` inside the log folder `dir`, where each logger writes that run's files; returns its path. */
export function createRunFolder(dir: string, run: Pick<RunStart, 'seed'>): string {
  const folder = join(dir, runFolderName(run));
  mkdirSync(folder, { recursive: true });
  return folder;
}
