/**
 * Reports written before the schema existed (results/ holds many): `mneme run`'s, with one matrix
 * per seed and summary statistics only, and `mneme up`'s, with camelCase fields and one seed.
 * They are upgraded to version 1 so `mneme report` reads old and new alike; what they never
 * recorded (class names, per-class accuracy, commit) stays absent or null.
 */
import { InvalidArgumentError } from '@mneme/errors';
import { experienceForgetting } from './matrix-views.js';
import { finiteOrNull, RUN_REPORT_SCHEMA, summarize, type MetricSummary, type RunReport, type SeedRun } from './run-report.js';

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const num = (x: unknown): number | null => (typeof x === 'number' ? finiteOrNull(x) : null);
const matrixOf = (x: unknown): (number | null)[][] => (Array.isArray(x) ? x.map((row) => (Array.isArray(row) ? row.map(num) : [])) : []);

/** ACC, BWT, FWT and forgetting of one matrix, as `runExperiment` defines them (null where they do not exist). */
export function matrixMetrics(
  matrix: readonly (readonly (number | null)[])[],
  randomInit: readonly (number | null)[],
): Pick<SeedRun, 'acc' | 'bwt' | 'fwt' | 'forgetting'> {
  const t = matrix.length;
  const last = matrix[t - 1] ?? [];
  const mean = (xs: readonly (number | null)[]): number | null =>
    xs.length === 0 || xs.some((x) => x === null) ? null : (xs as number[]).reduce((a, x) => a + x, 0) / xs.length;
  const acc = mean(last.slice(0, t));
  if (t < 2) return { acc, bwt: null, fwt: null, forgetting: null };
  const diff = (a: number | null | undefined, b: number | null | undefined) =>
    a === null || a === undefined || b === null || b === undefined ? null : a - b;
  const bwt = mean(Array.from({ length: t - 1 }, (_, j) => diff(last[j], matrix[j]![j])));
  const fwt = mean(Array.from({ length: t - 1 }, (_, k) => diff(matrix[k]![k + 1], randomInit[k + 1])));
  return { acc, bwt, fwt, forgetting: mean(experienceForgetting(matrix)) };
}

/** A summary statistic as legacy `mneme run` wrote it ({ mean, std, definition }). */
function legacyStatistic(x: unknown): MetricSummary {
  if (!isObject(x)) return { mean: null, std: null };
  return { mean: num(x['mean']), std: num(x['std']), ...(typeof x['definition'] === 'string' ? { definition: x['definition'] } : {}) };
}

/** A legacy `mneme run` report (seeds: number[], matrix: one per seed) as version 1. */
export function upgradeLegacyRun(x: Json, source: string): RunReport {
  const seeds = x['seeds'];
  const matrices = x['matrix'];
  if (!Array.isArray(seeds) || !Array.isArray(matrices) || seeds.length !== matrices.length) {
    throw new InvalidArgumentError(
      `${source}: not a run report: 'seeds' and 'matrix' must be arrays of the same length (one accuracy matrix per seed)`,
    );
  }
  const randomInit = Array.isArray(x['random_init']) ? (x['random_init'] as unknown[]) : [];
  const wall = Array.isArray(x['seed_wall_s']) ? (x['seed_wall_s'] as unknown[]) : [];
  const descriptions = Array.isArray(x['strategy_description']) ? (x['strategy_description'] as unknown[]) : [];
  const seedRuns: SeedRun[] = seeds.map((seed, s) => {
    const matrix = matrixOf(matrices[s]);
    const init = Array.isArray(randomInit[s]) ? (randomInit[s] as unknown[]).map(num) : [];
    const choices = isObject(descriptions[s]) && isObject(descriptions[s]['choices']) ? descriptions[s]['choices'] : undefined;
    return {
      seed: Number(seed),
      matrix,
      random_init: init,
      ...matrixMetrics(matrix, init),
      experience_classes: [],
      wall_s: num(wall[s]),
      ...(choices === undefined ? {} : { choices }),
    };
  });
  return {
    schema: RUN_REPORT_SCHEMA,
    command: 'mneme run',
    created_at: '',
    mneme_version: '',
    commit: null,
    benchmark: String(x['benchmark'] ?? ''),
    strategy: String(x['strategy'] ?? ''),
    scenario: String(x['scenario'] ?? ''),
    class_names: [],
    settings: isObject(x['settings']) ? x['settings'] : {},
    options: isObject(x['options']) ? (x['options'] as Record<string, string>) : {},
    ...(isObject(x['strategy_defaults']) ? { strategy_defaults: x['strategy_defaults'] } : {}),
    summary: {
      acc: legacyStatistic(x['acc']),
      bwt: legacyStatistic(x['bwt']),
      fwt: legacyStatistic(x['fwt']),
      forgetting: legacyStatistic(x['forgetting']),
    },
    seeds: seedRuns,
    environment: {
      transport: 'library',
      device: typeof x['device'] === 'string' ? x['device'] : null,
      wall_s: num(x['wall_s']),
      peak_rss_mb: num(x['peak_rss_mb']),
    },
  };
}

/** A legacy `mneme up` report (command 'mneme up', one seed, camelCase fields) as version 1. */
export function upgradeLegacyUp(x: Json, source: string): RunReport {
  const matrix = matrixOf(x['matrix']);
  if (matrix.length === 0) throw new InvalidArgumentError(`${source}: not a run report: 'matrix' must be an accuracy matrix`);
  const init = Array.isArray(x['randomInit']) ? (x['randomInit'] as unknown[]).map(num) : [];
  const metrics = { acc: num(x['acc']), bwt: num(x['bwt']), fwt: num(x['fwt']), forgetting: num(x['forgetting']) };
  const seconds = num(x['seconds']);
  return {
    schema: RUN_REPORT_SCHEMA,
    command: 'mneme up',
    created_at: '',
    mneme_version: '',
    commit: null,
    benchmark: String(x['benchmark'] ?? ''),
    strategy: String(x['strategy'] ?? ''),
    scenario: '',
    class_names: [],
    settings: isObject(x['settings']) ? x['settings'] : {},
    options: isObject(x['options']) ? (x['options'] as Record<string, string>) : {},
    ...(isObject(x['strategyDefaults']) ? { strategy_defaults: x['strategyDefaults'] } : {}),
    summary: {
      acc: summarize([metrics.acc]),
      bwt: summarize([metrics.bwt]),
      fwt: summarize([metrics.fwt]),
      forgetting: summarize([metrics.forgetting]),
    },
    seeds: [{ seed: Number(x['seed'] ?? 0), matrix, random_init: init, ...metrics, experience_classes: [], wall_s: seconds }],
    environment: {
      transport: x['transport'] === 'kafka' ? 'kafka' : 'in-process',
      device: null,
      wall_s: seconds,
      peak_rss_mb: null,
      ...(typeof x['samples'] === 'number' ? { samples: x['samples'] } : {}),
      ...(typeof x['samples_per_s'] === 'number' ? { samples_per_s: x['samples_per_s'] } : {}),
    },
    ...(isObject(x['services']) ? { services: x['services'] as RunReport['services'] & object } : {}),
  };
}
