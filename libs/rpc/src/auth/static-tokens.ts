import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '@mneme/errors';
import { isScope, isTenantName, type Scope } from './principal.js';

/** One entry of a token file: the SHA-256 of a token (never the token itself) and what it may do. */
export interface StaticTokenEntry {
  /** Hex SHA-256 of the token's UTF-8 bytes (`printf %s "$TOKEN" | sha256sum`). */
  readonly sha256: string;
  /** Tenant the token acts for; optional only for `service` tokens, which name it per call. */
  readonly tenant?: string;
  readonly scopes: readonly Scope[];
  /** Who holds it, for logs. @default the first 8 hex digits of the hash */
  readonly name?: string;
}

/** What a matching static token grants. */
export interface StaticTokenGrant {
  readonly tenant: string | undefined;
  readonly scopes: ReadonlySet<Scope>;
  readonly name: string;
}

/** Hex SHA-256 of a token, as stored in token files. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Static bearer tokens from a file of their SHA-256 hashes. Only hashes are held, so a leaked
 * file or heap dump does not leak tokens; each lookup compares against every entry in constant
 * time, so timing reveals neither which entry nor how much of it matched.
 */
export class StaticTokens {
  private readonly entries: readonly { digest: Buffer; grant: StaticTokenGrant }[];
  private readonly source: readonly StaticTokenEntry[];

  constructor(entries: readonly StaticTokenEntry[]) {
    this.source = entries;
    this.entries = entries.map((entry, i) => ({ digest: Buffer.from(checkEntry(entry, i).sha256, 'hex'), grant: grantOf(entry) }));
  }

  /**
   * Reads a token file: a JSON array of entries, or one JSON entry per line (blank lines and
   * lines starting with `#` are skipped). Throws naming the file and the bad entry.
   */
  static fromFile(path: string): StaticTokens {
    const text = readFileSync(path, 'utf8');
    try {
      return new StaticTokens(parseEntries(text));
    } catch (err) {
      throw new InvalidArgumentError(`token file ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** These tokens and `more` (e.g. a service token minted at start for an embedded stack). */
  with(more: readonly StaticTokenEntry[]): StaticTokens {
    return new StaticTokens([...this.source, ...more]);
  }

  /** Number of tokens held. */
  get size(): number {
    return this.entries.length;
  }

  /** The grant of `token`, or undefined when no entry matches. */
  lookup(token: string): StaticTokenGrant | undefined {
    const digest = Buffer.from(hashToken(token), 'hex');
    let found: StaticTokenGrant | undefined;
    // No early exit: every entry is compared whatever matched before.
    for (const entry of this.entries) if (timingSafeEqual(entry.digest, digest)) found = entry.grant;
    return found;
  }
}

function parseEntries(text: string): StaticTokenEntry[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as StaticTokenEntry[];
  return trimmed
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => JSON.parse(line) as StaticTokenEntry);
}

function checkEntry(entry: StaticTokenEntry, index: number): StaticTokenEntry {
  const where = `entry ${index + 1}`;
  if (typeof entry !== 'object' || entry === null) throw new InvalidArgumentError(`${where} is not an object`);
  if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(entry.sha256))
    throw new InvalidArgumentError(`${where}: sha256 must be 64 hex digits`);
  if (!Array.isArray(entry.scopes) || entry.scopes.length === 0 || !entry.scopes.every((s) => typeof s === 'string' && isScope(s))) {
    throw new InvalidArgumentError(`${where}: scopes must be a non-empty list of ingest, predict, read, admin, service`);
  }
  if (entry.tenant === undefined) {
    if (!entry.scopes.includes('service')) throw new InvalidArgumentError(`${where}: tenant is required (only service tokens may omit it)`);
  } else if (typeof entry.tenant !== 'string' || !isTenantName(entry.tenant)) {
    throw new InvalidArgumentError(`${where}: tenant must be 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit`);
  }
  return entry;
}

function grantOf(entry: StaticTokenEntry): StaticTokenGrant {
  return { tenant: entry.tenant, scopes: new Set(entry.scopes), name: entry.name ?? entry.sha256.slice(0, 8).toLowerCase() };
}
