import { strategyDefaultsText, type AppliedStrategyDefaults, type BenchmarkReport, type SeedStatistic } from '@mneme/benchmarks';
import { DEFINITIONS, type MetricId } from '@mneme/metrics';

const pct = (x: number) => (Number.isNaN(x) ? '  n/a' : (100 * x).toFixed(1).padStart(5));
const stat = (s: SeedStatistic) => `${(100 * s.mean).toFixed(2)} ± ${(100 * s.std).toFixed(2)}`;

/** Element-wise mean of the seeds' accuracy matrices. */
export function meanMatrix(report: BenchmarkReport): number[][] {
  const [first] = report.matrix;
  if (first === undefined) return [];
  return first.map((row, i) => row.map((_, j) => report.matrix.reduce((a, m) => a + m[i]![j]!, 0) / report.matrix.length));
}

/** What the strategy chose itself at the end of each seed's run (e.g. joint's l2), one line per seed; none when it chose nothing. */
function choiceLines(report: BenchmarkReport): string[] {
  // Reports written before descriptions were recorded have none.
  const descriptions = report.strategy_description ?? [];
  return descriptions.flatMap((d, i) => {
    const entries = Object.entries(d.choices ?? {});
    if (entries.length === 0) return [];
    return [
      `chosen (seed ${report.seeds[i]})  ${entries.map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`).join(' ')}`,
    ];
  });
}

/** The accuracy matrix (mean over seeds, in %) and the summary metrics, as terminal text. */
export function formatReport(report: BenchmarkReport, extra: { wallS: number; peakRssMb: number }): string {
  const matrix = meanMatrix(report);
  const header = `after \\ on ${matrix[0]!.map((_, j) => `e${j}`.padStart(5)).join(' ')}`;
  const lines = [
    `${report.benchmark} · ${report.strategy} · ${report.scenario} · seeds ${report.seeds.join(', ')}`,
    '',
    `accuracy matrix a[i][j] (%, mean over ${report.seeds.length} seed${report.seeds.length > 1 ? 's' : ''}): test accuracy on experience j after training through i`,
    header,
    ...matrix.map((row, i) => `${`e${i}`.padStart(10)} ${row.map(pct).join(' ')}`),
    '',
    `ACC         ${stat(report.acc)} %`,
    `BWT         ${stat(report.bwt)} %`,
    `FWT         ${stat(report.fwt)} %`,
    `forgetting  ${stat(report.forgetting)} %`,
    definitionsLine(),
    ...choiceLines(report),
    '',
    ...strategyDefaultsLines(report.benchmark, report.strategy_defaults),
    `wall time ${extra.wallS.toFixed(1)} s · peak RSS ${extra.peakRssMb.toFixed(0)} MB`,
  ];
  return lines.join('\n');
}

/** The four summary metrics of a run and their definitions. */
const SUMMARY_METRICS: readonly [string, MetricId][] = [
  ['ACC', 'acc-lopez-paz-2017'],
  ['BWT', 'bwt-lopez-paz-2017'],
  ['FWT', 'fwt-lopez-paz-2017'],
  ['forgetting', 'forgetting-chaudhry-2018'],
];

/** Each source cited once for the metrics it defines (formulas are in the JSON and HTML reports). */
export function definitionsLine(): string {
  const bySource = new Map<string, string[]>();
  for (const [name, id] of SUMMARY_METRICS) bySource.set(DEFINITIONS[id].source, [...(bySource.get(DEFINITIONS[id].source) ?? []), name]);
  const cited = [...bySource.entries()].map(([source, names]) => `${names.join(', ')}: ${source.replace(/, "[^"]*"/, '')}`);
  return `(${cited.join('; ')}; formulas in the JSON and HTML reports)`;
}

/** The benchmark's defaults for the strategy a run applied, as one line (none when it applied none). */
export function strategyDefaultsLines(benchmark: string, applied: AppliedStrategyDefaults | undefined): string[] {
  if (applied === undefined) return [];
  const flags = strategyDefaultsText(applied);
  const overridden = applied.overridden.length === 0 ? '' : `; overridden: ${applied.overridden.join(', ')}`;
  return [
    `${benchmark}'s defaults for ${applied.strategy}: ${flags === '' ? 'none applied' : flags} (chosen on ${applied.chosenOn})${overridden}`,
  ];
}
