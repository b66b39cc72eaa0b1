import { summarize, type MetricSummary, type RunEnvironment, type RunReport, type SeedRun } from './run-report.js';

/**
 * One configuration's runs: every input report of the same benchmark, strategy, command, transport,
 * settings and options, with their seeds together (long runs are often split into one process, and
 * one report, per seed).
 */
export interface RunGroup {
  /** Short name in charts and tables: the strategy, `· services` when streamed through them, `#n` when ambiguous. */
  readonly label: string;
  readonly benchmark: string;
  readonly strategy: string;
  readonly command: RunReport['command'];
  readonly scenario: string;
  readonly classNames: readonly string[];
  readonly options: Readonly<Record<string, string>>;
  readonly seeds: readonly SeedRun[];
  /** Statistics over the group's seeds (recomputed, so merged reports are summarised together). */
  readonly summary: {
    readonly acc: MetricSummary;
    readonly bwt: MetricSummary;
    readonly fwt: MetricSummary;
    readonly forgetting: MetricSummary;
  };
  /** Each input's environment (one per report). */
  readonly environments: readonly RunEnvironment[];
  /** The input files, with the commit and time each was written at. */
  readonly sources: readonly {
    readonly file: string;
    readonly commit: string | null;
    readonly createdAt: string;
    readonly version: string;
  }[];
  /** Seeds given by more than one input; the first input's run is kept. */
  readonly duplicateSeeds: readonly number[];
}

const keyOf = (r: RunReport) =>
  JSON.stringify([r.benchmark, r.strategy, r.command, r.environment.transport, r.settings, Object.entries(r.options).sort()]);

/** Groups reports by configuration, in the order each configuration first appears. */
export function groupRuns(reports: readonly { readonly file: string; readonly report: RunReport }[]): RunGroup[] {
  const groups = new Map<string, { file: string; report: RunReport }[]>();
  for (const entry of reports) {
    const key = keyOf(entry.report);
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  const built = [...groups.values()].map((entries) => {
    const first = entries[0]!.report;
    const seeds: SeedRun[] = [];
    const duplicateSeeds: number[] = [];
    for (const { report } of entries) {
      for (const s of report.seeds) {
        if (seeds.some((kept) => kept.seed === s.seed)) duplicateSeeds.push(s.seed);
        else seeds.push(s);
      }
    }
    seeds.sort((a, b) => a.seed - b.seed);
    const definition = (k: keyof RunReport['summary']) => first.summary[k].definition;
    return {
      label: first.strategy + (first.command === 'mneme up' ? ' · services' : ''),
      benchmark: first.benchmark,
      strategy: first.strategy,
      command: first.command,
      scenario: first.scenario,
      classNames: first.class_names,
      options: first.options,
      seeds,
      summary: {
        acc: summarize(
          seeds.map((s) => s.acc),
          definition('acc'),
        ),
        bwt: summarize(
          seeds.map((s) => s.bwt),
          definition('bwt'),
        ),
        fwt: summarize(
          seeds.map((s) => s.fwt),
          definition('fwt'),
        ),
        forgetting: summarize(
          seeds.map((s) => s.forgetting),
          definition('forgetting'),
        ),
      },
      environments: entries.map((e) => e.report.environment),
      sources: entries.map((e) => ({
        file: e.file,
        commit: e.report.commit,
        createdAt: e.report.created_at,
        version: e.report.mneme_version,
      })),
      duplicateSeeds,
    };
  });
  // The same label twice on one benchmark (e.g. two option sets) gets #1, #2 so charts keep them apart.
  return built.map((g) => {
    const twins = built.filter((o) => o.benchmark === g.benchmark && o.label === g.label);
    return twins.length < 2 ? g : { ...g, label: `${g.label} #${twins.indexOf(g) + 1}` };
  });
}

/** The colour channel of charts with one mark per run: the same run has the same colour in every chart. */
export function runColour(runs: readonly RunGroup[], legend = true) {
  return {
    field: 'run',
    type: 'nominal',
    title: 'run',
    scale: { domain: runs.map((r) => r.label) },
    ...(legend ? {} : { legend: null }),
  } as const;
}
