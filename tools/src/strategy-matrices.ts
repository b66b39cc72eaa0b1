/**
 * Accuracy matrices of every registered strategy on small fixed runs (the equality tests' cases),
 * to show that a change moved no result: run it on the commit before and on the commit after, then
 * compare the two files. A refactor that claims "behaviour unchanged" is held to equal matrices and
 * per-class accuracies, seed by seed.
 */
import { benchmarkByName, runBenchmark, type BenchmarkSettings } from '@mneme/benchmarks';
import { InvalidArgumentError } from '@mneme/errors';
import type { Executor } from '@mneme/execution';
import { STRATEGY_REGISTRY, strategyCapabilities } from '@mneme/methods';
import { EQUALITY_BENCHMARK, EQUALITY_OPTIONS, TEXT_EQUALITY_OPTIONS, TEXT_EQUALITY_SETTINGS } from '@mneme/stack';

/** The schema name of a matrices file. */
export const MATRICES_SCHEMA = 'mneme.strategy-matrices/1';

/** One fixed run: a strategy on a benchmark with its options. */
export interface MatrixCase {
  /** `<benchmark>/<strategy>`, unique within a file. */
  readonly name: string;
  readonly benchmark: string;
  readonly strategy: string;
  readonly options: Readonly<Record<string, string>>;
  readonly settings?: Partial<BenchmarkSettings>;
  /** The text cases' data folder and experience count. */
  readonly text?: { readonly data: string; readonly experiences: number };
}

/** What a case produced, per seed; NaN (a class with no test sample) is written as null. */
export interface CaseMatrices {
  readonly seeds: readonly number[];
  readonly matrix: readonly (readonly (readonly number[])[])[];
  readonly random_init: readonly (readonly number[])[];
  readonly class_accuracy: readonly (readonly (readonly (number | null)[])[])[];
}

/** A matrices file. */
export interface MatricesFile {
  readonly schema: typeof MATRICES_SCHEMA;
  /** The git commit of the code that ran, or null outside a checkout. */
  readonly commit: string | null;
  readonly cases: Readonly<Record<string, CaseMatrices>>;
}

/** Strategies run on text besides the token strategies: those with text-benchmark defaults of their own. */
const TEXT_FEATURE_STRATEGIES = ['er', 'expanding-head'];

/**
 * The cases: every registered strategy on the equality benchmark with the equality options and,
 * when `textData` is given (a folder with the tiny text set), the token strategies and those with
 * text defaults on it.
 */
export function matrixCases(textData?: string): MatrixCase[] {
  const names = Object.keys(STRATEGY_REGISTRY).sort();
  const features = names.map((strategy) => ({
    name: `${EQUALITY_BENCHMARK}/${strategy}`,
    benchmark: EQUALITY_BENCHMARK,
    strategy,
    options: EQUALITY_OPTIONS[strategy] ?? {},
  }));
  if (textData === undefined) return features;
  const onText = names.filter((s) => strategyCapabilities(s).inputs === 'tokens' || TEXT_FEATURE_STRATEGIES.includes(s));
  return [
    ...features,
    ...onText.map((strategy) => ({
      name: `text/${strategy}`,
      benchmark: 'text',
      strategy,
      options: TEXT_EQUALITY_OPTIONS[strategy] ?? {},
      settings: TEXT_EQUALITY_SETTINGS,
      text: { data: textData, experiences: 2 },
    })),
  ];
}

/** Runs one case for `seeds` (in-process, on `executor`). */
export async function runCase(c: MatrixCase, seeds: readonly number[], executor: Executor, encoderDir?: string): Promise<CaseMatrices> {
  const report = await runBenchmark({
    benchmark: benchmarkByName(c.benchmark),
    strategy: c.strategy,
    seeds,
    executor,
    options: c.options,
    ...(c.settings === undefined ? {} : { settings: c.settings }),
    ...(c.text === undefined ? {} : { textData: c.text.data, experiences: c.text.experiences }),
    ...(encoderDir === undefined ? {} : { encoderDir }),
  });
  return {
    seeds: [...seeds],
    matrix: report.matrix,
    random_init: report.random_init,
    class_accuracy: report.class_accuracy.map((rows) => rows.map((row) => row.map((v) => (Number.isNaN(v) ? null : v)))),
  };
}

/** One difference between two matrices files. */
export interface MatrixDifference {
  readonly name: string;
  /** What differs: the case is missing on one side, or its seeds, or the first differing cell. */
  readonly what: string;
}

/**
 * The differences between `before` and `after`, case by case (exact equality: the runs are
 * deterministic on one machine and thread count). Cases only one side has are differences too.
 */
export function compareMatrices(before: MatricesFile, after: MatricesFile): MatrixDifference[] {
  const out: MatrixDifference[] = [];
  const names = [...new Set([...Object.keys(before.cases), ...Object.keys(after.cases)])].sort();
  for (const name of names) {
    const a = before.cases[name];
    const b = after.cases[name];
    if (a === undefined || b === undefined) {
      out.push({ name, what: `only ${a === undefined ? 'after' : 'before'} has this case` });
      continue;
    }
    if (JSON.stringify(a.seeds) !== JSON.stringify(b.seeds)) {
      out.push({ name, what: `seeds ${a.seeds.join(',')} before, ${b.seeds.join(',')} after` });
      continue;
    }
    const what =
      firstDifference('matrix', a.matrix, b.matrix) ??
      firstDifference('random_init', a.random_init, b.random_init) ??
      firstDifference('class_accuracy', a.class_accuracy, b.class_accuracy);
    if (what !== undefined) out.push({ name, what });
  }
  return out;
}

type Nested = number | null | readonly Nested[];

/** The path and values of the first element where `a` and `b` differ, or undefined when they are equal. */
function firstDifference(path: string, a: Nested, b: Nested): string | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: ${a.length} entries before, ${b.length} after`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(`${path}[${i}]`, a[i] as Nested, b[i] as Nested);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return a === b ? undefined : `${path}: ${JSON.stringify(a)} before, ${JSON.stringify(b)} after`;
}

/**
 * Reads a matrices file's parsed JSON, refusing anything else by name.
 *
 * @throws InvalidArgumentError naming `what` and the problem
 */
export function parseMatricesFile(json: unknown, what: string): MatricesFile {
  const file = json as Partial<MatricesFile> | null;
  if (typeof file !== 'object' || file === null || file.schema !== MATRICES_SCHEMA)
    throw new InvalidArgumentError(`${what} is not a ${MATRICES_SCHEMA} file (write one with npm run check:matrices -- --out <file>)`);
  if (typeof file.cases !== 'object' || file.cases === null) throw new InvalidArgumentError(`${what} has no cases`);
  return file as MatricesFile;
}
