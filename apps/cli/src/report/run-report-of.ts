import type { BenchmarkReport, SeedStatistic } from '@mneme/benchmarks';
import { finiteOrNull, matrixMetrics, RUN_REPORT_SCHEMA, summarize, type RunReport, type ServiceCalls } from '@mneme/report';
import type { StreamBenchmarkResult } from '@mneme/stack';
import { cliVersion, sourceCommit } from '../version.js';

/** Where the report was made: time, version and commit. */
function provenance(): Pick<RunReport, 'schema' | 'created_at' | 'mneme_version' | 'commit'> {
  return { schema: RUN_REPORT_SCHEMA, created_at: new Date().toISOString(), mneme_version: cliVersion(), commit: sourceCommit() };
}

const nulls = (xs: readonly number[]) => xs.map(finiteOrNull);
const statistic = (s: SeedStatistic) => ({ mean: finiteOrNull(s.mean), std: finiteOrNull(s.std), definition: s.definition });

/** `mneme run`'s report (a library run over seeds) in the run-report schema. */
export function runReportOfBenchmark(
  report: BenchmarkReport,
  environment: { device: string; wallS: number; peakRssMb: number },
): RunReport {
  return {
    ...provenance(),
    command: 'mneme run',
    benchmark: report.benchmark,
    strategy: report.strategy,
    scenario: report.scenario,
    class_names: report.class_names,
    settings: { ...report.settings },
    options: { ...report.options },
    ...(report.strategy_defaults === undefined ? {} : { strategy_defaults: { ...report.strategy_defaults } }),
    summary: {
      acc: statistic(report.acc),
      bwt: statistic(report.bwt),
      fwt: statistic(report.fwt),
      forgetting: statistic(report.forgetting),
    },
    seeds: report.seeds.map((seed, s) => {
      const matrix = report.matrix[s]!.map(nulls);
      const randomInit = nulls(report.random_init[s]!);
      const choices = report.strategy_description[s]?.choices;
      return {
        seed,
        matrix,
        random_init: randomInit,
        ...matrixMetrics(matrix, randomInit),
        experience_classes: report.experience_classes[s]!,
        class_accuracy: report.class_accuracy[s]!.map(nulls),
        wall_s: report.seed_wall_s[s]!,
        ...(choices === undefined || Object.keys(choices).length === 0 ? {} : { choices: { ...choices } }),
      };
    }),
    environment: { transport: 'library', device: environment.device, wall_s: environment.wallS, peak_rss_mb: environment.peakRssMb },
  };
}

/** `mneme up`'s report (one seed streamed through the services) in the run-report schema. */
export function runReportOfStream(
  run: { benchmark: string; strategy: string; seed: number; transport: 'in-process' | 'kafka' },
  result: StreamBenchmarkResult,
  environment: { device: string; peakRssMb: number; services: Readonly<Record<string, ServiceCalls>> },
): RunReport {
  const matrix = result.matrix.map(nulls);
  const randomInit = nulls(result.randomInit);
  // The evaluator's own ACC/BWT/FWT/forgetting, as it reports them over gRPC.
  const metrics = {
    acc: finiteOrNull(result.acc),
    bwt: finiteOrNull(result.bwt),
    fwt: finiteOrNull(result.fwt),
    forgetting: finiteOrNull(result.forgetting),
  };
  return {
    ...provenance(),
    command: 'mneme up',
    benchmark: run.benchmark,
    strategy: run.strategy,
    scenario: result.scenario,
    class_names: [...result.classNames],
    settings: { ...result.settings },
    options: { ...result.options },
    ...(result.strategyDefaults === undefined ? {} : { strategy_defaults: { ...result.strategyDefaults } }),
    summary: {
      acc: summarize([metrics.acc]),
      bwt: summarize([metrics.bwt]),
      fwt: summarize([metrics.fwt]),
      forgetting: summarize([metrics.forgetting]),
    },
    seeds: [
      {
        seed: run.seed,
        matrix,
        random_init: randomInit,
        ...metrics,
        experience_classes: result.experienceClasses.map((c) => [...c]),
        wall_s: result.seconds,
      },
    ],
    environment: {
      transport: run.transport,
      device: environment.device,
      wall_s: result.seconds,
      peak_rss_mb: environment.peakRssMb,
      samples: result.samples,
      samples_per_s: result.samples / result.seconds,
    },
    services: environment.services,
  };
}
