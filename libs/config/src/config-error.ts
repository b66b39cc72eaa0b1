import { MnemeError } from '@mneme/errors';
import { type ConfigWarning } from './unknown-variables.js';

/** One environment variable whose value could not be used. */
export interface ConfigProblem {
  /** Name of the environment variable, e.g. `MNEME_GRPC_PORT`. */
  readonly variable: string;
  /** The value as it was set; `undefined` when the field is sensitive and the value is withheld. */
  readonly value: string | undefined;
  /** What the variable accepts, e.g. `an integer port 1..65535`. */
  readonly accepts: string;
  /** Why this particular value was refused, when the parser can say more than `accepts`. */
  readonly detail?: string;
}

// Long values (a pasted certificate, a wrong file) would drown the message; the start is enough
// to recognise them.
const MAX_SHOWN_CHARS = 120;

/** Renders a value so that whitespace and control characters stay visible in a one-line message. */
function showValue(value: string | undefined): string {
  if (value === undefined) return '<redacted>';
  const shown = value.length > MAX_SHOWN_CHARS ? `${value.slice(0, MAX_SHOWN_CHARS)}…` : value;
  // JSON escaping makes newlines, tabs and control characters visible; the surrounding double
  // quotes are swapped for single ones so the variable reads like a shell assignment.
  return `'${JSON.stringify(shown).slice(1, -1).replaceAll('\\"', '"')}'`;
}

/**
 * One line describing a problem: `MNEME_GRPC_PORT='abc' is not valid: expected an integer port 1..65535`.
 */
export function formatProblem(problem: ConfigProblem): string {
  const detail = problem.detail === undefined ? '' : ` (${problem.detail})`;
  return `${problem.variable}=${showValue(problem.value)} is not valid: expected ${problem.accepts}${detail}`;
}

/**
 * The configuration taken from the environment cannot be used. Carries every problem found, not
 * just the first, so an operator fixes them all in one round. An `invalid-argument` MnemeError: the
 * CLI prints its message (no stack) and exits 2, as for any other bad argument.
 */
export class ConfigError extends MnemeError {
  /** Every variable that was refused, in schema order. */
  readonly problems: readonly ConfigProblem[];
  /** Unknown variables seen during the same load (likely typos that explain a default being used). */
  readonly warnings: readonly ConfigWarning[];

  constructor(problems: readonly ConfigProblem[], warnings: readonly ConfigWarning[] = []) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = [`Invalid configuration: ${count}`, ...problems.map((p) => `  - ${formatProblem(p)}`)];
    if (warnings.length > 0) {
      lines.push('Warnings:', ...warnings.map((w) => `  - ${w.message}`));
    }
    super('invalid-argument', lines.join('\n'));
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
    this.warnings = Object.freeze([...warnings]);
  }
}

/**
 * A mistake in a config schema itself (two fields on one variable, a default that does not parse,
 * bounds the wrong way round), thrown when the schema module loads: a programming error, never an
 * operator's or a caller's, so its kind is `internal`.
 */
export class ConfigSchemaError extends MnemeError {
  constructor(message: string) {
    super('internal', message);
  }
}
