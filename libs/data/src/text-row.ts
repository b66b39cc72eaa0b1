import type { SplitName } from './split-name.js';

/** One labelled text with where it came from, as read from a JSONL or CSV file. */
export interface TextRow {
  /** The text, never empty. */
  readonly text: string;
  /** The label name. */
  readonly label: string;
  /** The split the row belongs to. */
  readonly split: SplitName;
  /** The file the row was read from, as given to the reader. */
  readonly file: string;
  /** 1-based line of the file where the row starts. */
  readonly line: number;
}

/** A problem found in a data file, with its place. */
export interface RowProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** `file:line: message`. */
export function formatRowProblem(problem: RowProblem): string {
  return `${problem.file}:${problem.line}: ${problem.message}`;
}
