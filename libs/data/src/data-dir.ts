import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Environment variable naming the directory that holds prepared data sets (`clinc150/`, `snips/`). */
export const DATA_DIR_ENV = 'MNEME_DATA_DIR';

/** Where the data directory is when neither an argument nor {@link DATA_DIR_ENV} names one: relative to the workspace root. */
export const DEFAULT_DATA_DIR = '../shared/data';

/** How to find the data directory. */
export interface DataDirOptions {
  /** The data directory; relative paths resolve against `cwd`. Wins over the environment. @default from the environment */
  readonly dataDir?: string;
  /** Environment to read {@link DATA_DIR_ENV} from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths resolve against, and where the search for the workspace root starts. @default process.cwd() */
  readonly cwd?: string;
}

/**
 * The nearest directory at or above `start` that holds `nx.json` (the workspace root), or
 * `undefined` when there is none.
 */
export function findWorkspaceRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The absolute data directory: `options.dataDir`, else `$MNEME_DATA_DIR`, else
 * {@link DEFAULT_DATA_DIR} relative to the workspace root (or to `cwd` outside a workspace).
 */
export function resolveDataDir(options: DataDirOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const fromEnv = (options.env ?? process.env)[DATA_DIR_ENV];
  const given = options.dataDir ?? (fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : undefined);
  if (given !== undefined) return resolve(cwd, given);
  return resolve(findWorkspaceRoot(cwd) ?? cwd, DEFAULT_DATA_DIR);
}

/** Where a named data set is expected and whether it is there. */
export interface DataSetLocation {
  /** Absolute directory of the data set. */
  readonly path: string;
  /** Whether that directory exists. */
  readonly exists: boolean;
  /** A message for a person when it does not exist: what is missing and how to point at it. */
  readonly missingMessage: string;
}

/**
 * Locates the prepared data set `name` (a folder of the data directory, e.g. `clinc150`).
 * Tests that need it skip with `missingMessage` when `exists` is false.
 */
export function locateDataSet(name: string, options: DataDirOptions = {}): DataSetLocation {
  const path = join(resolveDataDir(options), name);
  return {
    path,
    exists: existsSync(path),
    missingMessage: `${DEFAULT_DATA_DIR}/${name} not found (looked in ${path}): set ${DATA_DIR_ENV} to the directory holding ${name}/`,
  };
}
