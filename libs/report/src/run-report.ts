/**
 * The run report: what `mneme run` and `mneme up` write as JSON, one schema for both, versioned by
 * its `schema` field. The JSON Schema of version 1 is `run-report.schema.json` beside this file.
 *
 * Accuracies are fractions in [0, 1]. A metric that does not exist for a run (FWT of a single
 * experience) is `null`, never 0, so a reader cannot mistake "not measured" for "zero".
 */

/** The `schema` value of version 1; a reader refuses any other it does not know how to upgrade. */
export const RUN_REPORT_SCHEMA = 'mneme.run-report/1';

/** A metric over seeds: mean and sample standard deviation (n − 1; 0 for one seed). */
export interface MetricSummary {
  readonly mean: number | null;
  readonly std: number | null;
  /** The definition's formula and source, written once per report. */
  readonly definition?: string;
}

/** One seed's run. */
export interface SeedRun {
  readonly seed: number;
  /** a[i][j]: accuracy on experience j's held-out set after training through experience i (every j). */
  readonly matrix: (number | null)[][];
  /** b[j]: accuracy of the untrained model on experience j (for FWT). */
  readonly random_init: (number | null)[];
  readonly acc: number | null;
  readonly bwt: number | null;
  readonly fwt: number | null;
  readonly forgetting: number | null;
  /** The class ids (indices into `class_names`) each experience holds, in experience order. */
  readonly experience_classes: number[][];
  /**
   * c[i][k]: accuracy on class k's held-out samples after training through experience i (`null`
   * for a class with no held-out sample). Absent where the run could not measure it (the services
   * report per experience only).
   */
  readonly class_accuracy?: (number | null)[][];
  /** Wall time of the seed's run, in seconds. */
  readonly wall_s: number | null;
  /** What the strategy chose itself during the run (e.g. joint's l2). */
  readonly choices?: Readonly<Record<string, unknown>>;
}

/** Where and how the run went. */
export interface RunEnvironment {
  /** `library` (mneme run: strategies in-process), `in-process` or `kafka` (mneme up: through the services). */
  readonly transport: 'library' | 'in-process' | 'kafka';
  /** ONNX Runtime's execution provider (`cpu`, `cuda`), when known. */
  readonly device: string | null;
  /** Wall time of the whole command, in seconds. */
  readonly wall_s: number | null;
  /** Peak resident memory of the process, in MB. */
  readonly peak_rss_mb: number | null;
  /** Training samples streamed (mneme up) and their end-to-end rate. */
  readonly samples?: number;
  readonly samples_per_s?: number;
}

/** gRPC calls one service answered during a run. */
export interface ServiceCalls {
  readonly total: number;
  readonly methods: Readonly<Record<string, number>>;
  readonly outcomes: Readonly<Record<string, number>>;
}

/** A run report, schema version 1. */
export interface RunReport {
  readonly schema: typeof RUN_REPORT_SCHEMA;
  readonly command: 'mneme run' | 'mneme up';
  /** When the report was written (ISO 8601). */
  readonly created_at: string;
  readonly mneme_version: string;
  /** Git commit of the code that ran; `null` outside a git checkout. */
  readonly commit: string | null;
  readonly benchmark: string;
  readonly strategy: string;
  /** The scenario in words (e.g. `class-incremental`). */
  readonly scenario: string;
  /** Label names; class ids in `experience_classes` and `class_accuracy` index this list. */
  readonly class_names: string[];
  readonly settings: Readonly<Record<string, unknown>>;
  readonly options: Readonly<Record<string, string>>;
  /** The benchmark's defaults for the strategy that were applied, with where they were chosen. */
  readonly strategy_defaults?: Readonly<Record<string, unknown>>;
  readonly summary: {
    readonly acc: MetricSummary;
    readonly bwt: MetricSummary;
    readonly fwt: MetricSummary;
    readonly forgetting: MetricSummary;
  };
  readonly seeds: SeedRun[];
  readonly environment: RunEnvironment;
  /** gRPC calls each service answered, in total, by method and by outcome (mneme up). */
  readonly services?: Readonly<Record<string, ServiceCalls>>;
}

/** Mean and sample standard deviation of the finite values (nulls when there are none). */
export function summarize(values: readonly (number | null)[], definition?: string): MetricSummary {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const base = definition === undefined ? {} : { definition };
  if (xs.length === 0) return { mean: null, std: null, ...base };
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  const variance = xs.length < 2 ? 0 : xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  return { mean, std: Math.sqrt(variance), ...base };
}

/** `x` with NaN and ±Infinity as `null` (JSON has no NaN; null says "not measured"). */
export const finiteOrNull = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : x;
