import { InvalidArgumentError } from '@mneme/errors';
import type { SplitName } from './split-name.js';
import { formatRowProblem, type RowProblem, type TextRow } from './text-row.js';

/** Labelled texts, aligned by position: text `i` has label `labels[i]` and belongs to `splits[i]`. */
export interface TextSet {
  readonly texts: readonly string[];
  /** Label names (not indices); scenarios map them to indices. */
  readonly labels: readonly string[];
  readonly splits: readonly SplitName[];
}

/** How many problems an error message lists before summarising the rest. */
export const MAX_LISTED_PROBLEMS = 20;

/**
 * Throws one {@link InvalidArgumentError} listing every problem as `file:line: message` (the first
 * {@link MAX_LISTED_PROBLEMS}, then a count of the rest); does nothing when there are none.
 */
export function throwRowProblems(problems: readonly RowProblem[]): void {
  if (problems.length === 0) return;
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map(formatRowProblem);
  if (problems.length > MAX_LISTED_PROBLEMS) listed.push(`… and ${problems.length - MAX_LISTED_PROBLEMS} more problems`);
  throw new InvalidArgumentError(listed);
}

/**
 * Builds a text set from rows, checking what only the whole set can show: every validation or
 * test label must occur in the training split (a classifier cannot be scored on a class it never
 * saw). Throws an {@link InvalidArgumentError} naming each offending row's file and line.
 */
export function textSetFromRows(rows: readonly TextRow[]): TextSet {
  const trained = new Set(rows.filter((row) => row.split === 'train').map((row) => row.label));
  const problems: RowProblem[] = rows
    .filter((row) => row.split !== 'train' && !trained.has(row.label))
    .map((row) => ({ file: row.file, line: row.line, message: `${row.split} label "${row.label}" never appears in the training split` }));
  throwRowProblems(problems);
  return {
    texts: rows.map((row) => row.text),
    labels: rows.map((row) => row.label),
    splits: rows.map((row) => row.split),
  };
}

/** Sorted distinct label names of a text set: the stable label → index map of text data sets. */
export function textLabelNames(set: TextSet): string[] {
  return [...new Set(set.labels)].sort();
}
