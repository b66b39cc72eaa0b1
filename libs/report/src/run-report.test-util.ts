import { matrixMetrics } from './legacy-reports.js';
import { RUN_REPORT_SCHEMA, summarize, type RunReport, type SeedRun } from './run-report.js';

/**
 * A class-incremental run of `experiences` experiences of two classes each, whose accuracy on an
 * experience decays by `decay` per later experience (seed-dependent jitter), as version 1.
 */
export function syntheticReport(options: {
  strategy: string;
  seeds: readonly number[];
  experiences?: number;
  decay?: number;
  command?: RunReport['command'];
  perClass?: boolean;
}): RunReport {
  const t = options.experiences ?? 4;
  const decay = options.decay ?? 0.1;
  const classNames = Array.from({ length: 2 * t }, (_, k) => `class-${k}`);
  const seeds: SeedRun[] = options.seeds.map((seed) => {
    const jitter = (i: number, j: number) => ((seed * 7 + i * 3 + j) % 5) / 100;
    const matrix = Array.from({ length: t }, (_, i) =>
      Array.from({ length: t }, (_, j) => (j > i ? 0 : Math.max(0, 0.95 - decay * (i - j) - jitter(i, j)))),
    );
    const randomInit = Array.from({ length: t }, () => 0.1);
    const classAccuracy = matrix.map((row) => row.flatMap((a) => [a, Math.max(0, a - 0.02)]));
    return {
      seed,
      matrix,
      random_init: randomInit,
      ...matrixMetrics(matrix, randomInit),
      experience_classes: Array.from({ length: t }, (_, j) => [2 * j, 2 * j + 1]),
      ...(options.perClass === false ? {} : { class_accuracy: classAccuracy }),
      wall_s: 10 + seed,
    };
  });
  return {
    schema: RUN_REPORT_SCHEMA,
    command: options.command ?? 'mneme run',
    created_at: '2026-12-08T00:00:00.000Z',
    mneme_version: '0.1.0',
    commit: '0123456789abcdef0123456789abcdef01234567',
    benchmark: 'synthetic',
    strategy: options.strategy,
    scenario: 'class-incremental',
    class_names: classNames,
    settings: { batchSize: 10 },
    options: {},
    summary: {
      acc: summarize(
        seeds.map((s) => s.acc),
        'ACC: test',
      ),
      bwt: summarize(
        seeds.map((s) => s.bwt),
        'BWT: test',
      ),
      fwt: summarize(
        seeds.map((s) => s.fwt),
        'FWT: test',
      ),
      forgetting: summarize(
        seeds.map((s) => s.forgetting),
        'F: test',
      ),
    },
    seeds,
    environment: { transport: options.command === 'mneme up' ? 'in-process' : 'library', device: 'cpu', wall_s: 42, peak_rss_mb: 300 },
  };
}
