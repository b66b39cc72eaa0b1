import { parseSplitName, type SplitName } from './split-name.js';
import type { RowProblem, TextRow } from './text-row.js';

/** Raw field values of one record before validation (`undefined` = field absent). */
export interface RawTextFields {
  readonly text: unknown;
  readonly label: unknown;
  readonly split: unknown;
}

/**
 * Validates one record's fields: `text` a non-blank string, `label` a non-blank string (or an
 * integer, taken as its decimal name), `split` absent/empty (then `defaultSplit`) or a known split
 * spelling. Returns the row, or the problems found.
 */
export function checkTextFields(
  raw: RawTextFields,
  place: { readonly file: string; readonly line: number },
  defaultSplit: SplitName,
): TextRow | RowProblem[] {
  const problems: string[] = [];
  let text = '';
  if (raw.text === undefined || raw.text === null) problems.push('missing field "text"');
  else if (typeof raw.text !== 'string') problems.push(`field "text" must be a string, got ${typeof raw.text}`);
  else if (raw.text.trim() === '') problems.push('empty text');
  else text = raw.text;

  let label = '';
  if (raw.label === undefined || raw.label === null) problems.push('missing field "label"');
  else if (typeof raw.label === 'number' && Number.isInteger(raw.label)) label = String(raw.label);
  else if (typeof raw.label !== 'string') problems.push(`field "label" must be a string, got ${typeof raw.label}`);
  else if (raw.label.trim() === '') problems.push('empty label');
  else label = raw.label;

  let split = defaultSplit;
  if (raw.split !== undefined && raw.split !== null && raw.split !== '') {
    const parsed = typeof raw.split === 'string' ? parseSplitName(raw.split) : undefined;
    if (parsed === undefined) problems.push(`field "split" is ${JSON.stringify(raw.split)}; expected train, val(idation) or test`);
    else split = parsed;
  }
  if (problems.length > 0) return problems.map((message) => ({ ...place, message }));
  return { text, label, split, ...place };
}
