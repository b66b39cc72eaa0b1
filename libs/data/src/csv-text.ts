import { parseCsv } from './csv.js';
import type { ParsedTextFile } from './jsonl-text.js';
import type { SplitName } from './split-name.js';
import { checkTextFields } from './text-fields.js';
import type { RowProblem, TextRow } from './text-row.js';

/**
 * Parses CSV with a header row naming the columns `text`, `label` and optionally `split` (any
 * order, case-insensitive; other columns ignored). Rows without a split value get `defaultSplit`.
 */
export function parseCsvText(content: string, file: string, defaultSplit: SplitName): ParsedTextFile {
  const parsed = parseCsv(content);
  if ('error' in parsed) return { rows: [], problems: [{ file, line: parsed.line, message: `CSV syntax: ${parsed.error}` }] };
  const [header, ...records] = parsed.records;
  if (header === undefined)
    return { rows: [], problems: [{ file, line: 1, message: 'empty file: expected a header row with text,label[,split]' }] };
  const names = header.fields.map((name) => name.trim().toLowerCase());
  const column = (name: string): number => names.indexOf(name);
  const textCol = column('text');
  const labelCol = column('label');
  const splitCol = column('split');
  const problems: RowProblem[] = [];
  for (const name of ['text', 'label']) {
    if (column(name) < 0)
      problems.push({ file, line: header.line, message: `header has no "${name}" column (found: ${header.fields.join(', ')})` });
  }
  const duplicate = names.find((name, i) => ['text', 'label', 'split'].includes(name) && names.indexOf(name) !== i);
  if (duplicate !== undefined) problems.push({ file, line: header.line, message: `header names "${duplicate}" twice` });
  if (problems.length > 0) return { rows: [], problems };

  const rows: TextRow[] = [];
  for (const record of records) {
    if (record.fields.length !== names.length) {
      problems.push({ file, line: record.line, message: `${record.fields.length} fields, but the header has ${names.length}` });
      continue;
    }
    const raw = {
      text: record.fields[textCol],
      label: record.fields[labelCol],
      split: splitCol >= 0 ? record.fields[splitCol] : undefined,
    };
    const row = checkTextFields(raw, { file, line: record.line }, defaultSplit);
    if (Array.isArray(row)) problems.push(...row);
    else rows.push(row);
  }
  return { rows, problems };
}
