import type { SplitName } from './split-name.js';
import { checkTextFields } from './text-fields.js';
import type { RowProblem, TextRow } from './text-row.js';

/** Rows read from a file and the problems found on the way; nothing is thrown. */
export interface ParsedTextFile {
  readonly rows: TextRow[];
  readonly problems: RowProblem[];
}

/**
 * Parses JSON Lines of `{"text", "label", "split"?}` objects; blank lines are skipped, other keys
 * ignored. `file` names the source in problems; rows without a split get `defaultSplit`.
 */
export function parseJsonlText(content: string, file: string, defaultSplit: SplitName): ParsedTextFile {
  const rows: TextRow[] = [];
  const problems: RowProblem[] = [];
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((source, i) => {
    const line = i + 1;
    if (source.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (err) {
      problems.push({ file, line, message: `not valid JSON (${err instanceof Error ? err.message : String(err)})` });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ file, line, message: 'expected a JSON object with "text" and "label"' });
      return;
    }
    const record = value as Record<string, unknown>;
    const row = checkTextFields({ text: record['text'], label: record['label'], split: record['split'] }, { file, line }, defaultSplit);
    if (Array.isArray(row)) problems.push(...row);
    else rows.push(row);
  });
  return { rows, problems };
}
