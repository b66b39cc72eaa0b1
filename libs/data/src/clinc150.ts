import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, NotFoundError } from '@mneme/errors';
import { DATA_DIR_ENV, type DataDirOptions, locateDataSet } from './data-dir.js';
import { loadTextSet } from './load-text-set.js';
import type { TextSet } from './text-set.js';

/** Options of {@link loadClinc150}. */
export interface Clinc150Options extends DataDirOptions {
  /** Also read `oos.jsonl`, the out-of-scope rows labelled `oos`. @default false */
  readonly includeOutOfScope?: boolean;
}

/** CLINC150 (Larson et al. 2019): the in-scope texts and the domain of every intent. */
export interface Clinc150 {
  /** 15,000 train, 3,000 validation and 4,500 test rows over 150 intents (plus `oos` rows if asked). */
  readonly set: TextSet;
  /** Domain name → its 15 intents, as in the data's `domains.json` (10 domains). */
  readonly domains: Readonly<Record<string, readonly string[]>>;
}

/**
 * Reads CLINC150 from `<data dir>/clinc150` (`train.jsonl`, `val.jsonl`, `test.jsonl`,
 * `domains.json`; see its README), or from the copy bundled with mneme when no data directory has it. Class-incremental by domain:
 * `groups: Object.values(domains)`; 15 experiences of 10: `classOrder: Object.values(domains).flat()`.
 */
export async function loadClinc150(options: Clinc150Options = {}): Promise<Clinc150> {
  const path = clinc150Folder(options);
  const parts = ['train', 'val', 'test', ...(options.includeOutOfScope === true ? ['oos'] : [])];
  // A prepared folder holds `train.jsonl`, the bundled copy `train.jsonl.gz`.
  const set = await loadTextSet(
    parts.map((part) => (existsSync(join(path, `${part}.jsonl`)) ? join(path, `${part}.jsonl`) : join(path, `${part}.jsonl.gz`))),
  );
  const domainsFile = join(path, 'domains.json');
  if (!existsSync(domainsFile)) throw new NotFoundError(`${domainsFile} not found: the prepared CLINC150 set is incomplete`);
  const domains = checkDomains(JSON.parse(await readFile(domainsFile, 'utf8')) as unknown, domainsFile, set);
  return { set, domains };
}

/**
 * The copy of CLINC150 that ships with mneme (`libs/data/datasets/clinc150`, gzipped JSONL; CC BY 3.0,
 * see its README), so `--benchmark clinc150` works on a fresh clone.
 */
export const BUNDLED_CLINC150 = resolve(import.meta.dirname, '../datasets/clinc150');

/**
 * Where CLINC150 is read from: the data directory's `clinc150/` when it has one; else, unless a
 * data directory was named explicitly (option or MNEME_DATA_DIR), the bundled copy.
 */
function clinc150Folder(options: DataDirOptions): string {
  const location = locateDataSet('clinc150', options);
  if (location.exists) return location.path;
  const fromEnv = (options.env ?? process.env)[DATA_DIR_ENV];
  const named = options.dataDir !== undefined || (fromEnv !== undefined && fromEnv.trim() !== '');
  if (!named && existsSync(BUNDLED_CLINC150)) return BUNDLED_CLINC150;
  throw new NotFoundError(`${location.missingMessage}${named ? ', or unset it to use the copy bundled with mneme' : ''}`);
}

function checkDomains(json: unknown, file: string, set: TextSet): Readonly<Record<string, readonly string[]>> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidArgumentError(`${file}: expected an object mapping each domain to its intents`);
  }
  const labels = new Set(set.labels);
  const seen = new Set<string>();
  const problems: string[] = [];
  const domains: Record<string, readonly string[]> = {};
  for (const [domain, intents] of Object.entries(json)) {
    if (!Array.isArray(intents) || !intents.every((intent): intent is string => typeof intent === 'string')) {
      problems.push(`${file}: domain "${domain}" must list its intents as strings`);
      continue;
    }
    for (const intent of intents) {
      if (!labels.has(intent)) problems.push(`${file}: intent "${intent}" of domain "${domain}" has no rows`);
      if (seen.has(intent)) problems.push(`${file}: intent "${intent}" is in more than one domain`);
      seen.add(intent);
    }
    domains[domain] = Object.freeze([...intents]);
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return Object.freeze(domains);
}
