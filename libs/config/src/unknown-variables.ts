/** A variable that looks like it belongs to this configuration but is not part of it. */
export interface ConfigWarning {
  /** The unknown variable, e.g. `MNEME_GRCP_PORT`. */
  readonly variable: string;
  /** The closest known variable, when one is close enough to be a likely typo. */
  readonly suggestion?: string;
  /** One line for an operator, naming the variable and the suggestion. */
  readonly message: string;
}

// Up to three edits covers a transposition plus a dropped letter, e.g. MNEME_GRCP_PRT; further
// than that and the suggestion is more likely to mislead than help.
const MAX_SUGGESTION_DISTANCE = 3;

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of adjacent characters
 * (optimal string alignment), so the common typo GRCP for GRPC costs one edit, not two.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * Names every set variable that starts with `prefix` but is not in `known`, sorted by name, with
 * the nearest known name when it is a plausible typo. A typo would otherwise silently fall back
 * to the default, the hardest kind of misconfiguration to spot.
 */
export function findUnknownVariables(
  env: Readonly<Record<string, string | undefined>>,
  prefix: string,
  known: ReadonlySet<string>,
): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  const unknown = Object.keys(env)
    .filter((name) => name.startsWith(prefix) && !known.has(name) && env[name] !== undefined)
    .sort();
  for (const variable of unknown) {
    let suggestion: string | undefined;
    let bestDistance = MAX_SUGGESTION_DISTANCE + 1;
    for (const candidate of known) {
      const distance = editDistance(variable, candidate);
      if (distance < bestDistance) {
        bestDistance = distance;
        suggestion = candidate;
      }
    }
    const hint = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
    warnings.push({
      variable,
      ...(suggestion === undefined ? {} : { suggestion }),
      message: `${variable} is set but is not a known variable and is ignored${hint}`,
    });
  }
  return warnings;
}
