import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InvalidArgumentError } from '@mneme/errors';
import { parseCsvText } from './csv-text.js';
import { type ParsedTextFile, parseJsonlText } from './jsonl-text.js';
import { parseSplitName, type SplitName } from './split-name.js';
import { textSetFromRows, throwRowProblems, type TextSet } from './text-set.js';
import type { RowProblem, TextRow } from './text-row.js';

/** File formats {@link loadTextSet} reads. */
export type TextFormat = 'jsonl' | 'csv';

/** One file of labelled text. */
export interface TextSource {
  /** Path of the file; relative paths resolve against the process's working directory. */
  readonly path: string;
  /** Split of rows that name none. @default the split the file name says (`train.csv`, `dev.jsonl`, `snips_test.csv`), else 'train' */
  readonly split?: SplitName;
  /** File format. @default from the extension: `.jsonl`/`.ndjson` → jsonl, `.csv` → csv */
  readonly format?: TextFormat;
}

/**
 * Parses one file's content into its rows and its problems (`file:line` each); throws only when
 * the format is neither given nor told by the extension. {@link loadTextSet} reads files from disk
 * and also validates across them.
 */
export function parseTextFile(content: string, source: TextSource): ParsedTextFile {
  const format = source.format ?? formatOf(source.path);
  const split = source.split ?? splitOfFileName(source.path) ?? 'train';
  return format === 'csv' ? parseCsvText(content, source.path, split) : parseJsonlText(content, source.path, split);
}

/**
 * Reads labelled text from JSONL or CSV files (fields `text`, `label`, optional `split`) into one
 * {@link TextSet}, rows in file order. Every problem in every file — a missing field, empty text,
 * an unknown split, a validation or test label never seen in training — is collected and thrown
 * once as an {@link InvalidArgumentError} whose lines read `file:line: what is wrong`.
 */
export async function loadTextSet(sources: readonly (string | TextSource)[]): Promise<TextSet> {
  if (sources.length === 0) throw new InvalidArgumentError('loadTextSet needs at least one file');
  const rows: TextRow[] = [];
  const problems: RowProblem[] = [];
  for (const entry of sources) {
    const source = typeof entry === 'string' ? { path: entry } : entry;
    formatOf(source.path, source.format);
    const parsed = parseTextFile(await readText(source.path), source);
    rows.push(...parsed.rows);
    problems.push(...parsed.problems);
  }
  throwRowProblems(problems);
  return textSetFromRows(rows);
}

/**
 * The split a file's name says: one of its words (separated by `.`, `_`, `-` or spaces) is a split
 * name (`train`, `val`, `valid`, `dev`, `validation`, `test`, ...), and no other word names a
 * different split. Undefined otherwise.
 */
export function splitOfFileName(path: string): SplitName | undefined {
  const stem = basename(path, extname(path));
  const named = new Set(
    stem
      .split(/[._\-\s]+/)
      .map(parseSplitName)
      .filter((s) => s !== undefined),
  );
  return named.size === 1 ? [...named][0] : undefined;
}

/** A file's text; a `.gz` file is gunzipped first (the bundled data sets are shipped compressed). */
async function readText(path: string): Promise<string> {
  const bytes = await readFile(path);
  return (isGzipped(path) ? gunzipSync(bytes) : bytes).toString('utf8');
}

const isGzipped = (path: string): boolean => path.toLowerCase().endsWith('.gz');

function formatOf(path: string, given?: TextFormat): TextFormat {
  if (given !== undefined) return given;
  // `train.jsonl.gz` is a compressed `train.jsonl`.
  const ext = extname(isGzipped(path) ? path.slice(0, -3) : path).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.csv') return 'csv';
  throw new InvalidArgumentError(`${path}: cannot tell the format from the extension "${ext}"; pass format: 'jsonl' or 'csv'`);
}
