import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, NotFoundError } from '@mneme/errors';
import { type DataDirOptions, locateDataSet } from './data-dir.js';
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
 * Reads the prepared CLINC150 set from `<data dir>/clinc150` (`train.jsonl`, `val.jsonl`,
 * `test.jsonl`, `domains.json`; see its README). Class-incremental by domain:
 * `groups: Object.values(domains)`; 15 experiences of 10: `classOrder: Object.values(domains).flat()`.
 */
export async function loadClinc150(options: Clinc150Options = {}): Promise<Clinc150> {
  const location = locateDataSet('clinc150', options);
  if (!location.exists) throw new NotFoundError(location.missingMessage);
  const files = ['train.jsonl', 'val.jsonl', 'test.jsonl', ...(options.includeOutOfScope === true ? ['oos.jsonl'] : [])];
  const set = await loadTextSet(files.map((file) => join(location.path, file)));
  const domainsFile = join(location.path, 'domains.json');
  if (!existsSync(domainsFile)) throw new NotFoundError(`${domainsFile} not found: the prepared CLINC150 set is incomplete`);
  const domains = checkDomains(JSON.parse(await readFile(domainsFile, 'utf8')) as unknown, domainsFile, set);
  return { set, domains };
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
