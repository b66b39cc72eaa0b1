import type { TopLevelSpec } from 'vega-lite';
import { runColour, type RunGroup } from './run-groups.js';
import { summarize } from './run-report.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const round = (x: number) => Math.round(10 * x) / 10;

/** One bar per run with whiskers of ± 1 std, faceted by metric (each with its own y scale). */
function barsWithWhiskers(
  runs: readonly RunGroup[],
  rows: readonly Record<string, unknown>[],
  title: string,
  subtitle: string,
  yTitle: string,
): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle, anchor: 'start' },
    data: { values: rows as Record<string, unknown>[] },
    facet: {
      column: { field: 'metric', type: 'nominal', title: null, sort: null, header: { labelFontSize: 12, labelFontWeight: 'bold' } },
    },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: { step: 34 },
      height: 200,
      encoding: {
        x: {
          field: 'run',
          type: 'nominal',
          title: null,
          scale: { domain: runs.map((r) => r.label) },
          axis: { labelAngle: -35, labelLimit: 160 },
        },
      },
      layer: [
        {
          mark: 'bar',
          encoding: {
            y: { field: 'mean', type: 'quantitative', title: yTitle },
            color: runColour(runs, false),
            tooltip: [
              { field: 'run' },
              { field: 'metric' },
              { field: 'mean', title: 'mean' },
              { field: 'std', title: 'std' },
              { field: 'seeds' },
            ],
          },
        },
        { mark: { type: 'rule', color: 'black' }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
      ],
    },
  };
}

/** ACC, forgetting and BWT of every run (%, mean ± std over seeds). */
export function strategyComparisonSpec(runs: readonly RunGroup[], title: string): TopLevelSpec {
  const rows = runs.flatMap((run) =>
    (['acc', 'forgetting', 'bwt'] as const).flatMap((metric) => {
      const { mean, std } = run.summary[metric];
      if (mean === null) return [];
      const m = 100 * mean;
      const s = 100 * (std ?? 0);
      return [
        {
          run: run.label,
          metric: metric === 'acc' ? 'ACC' : metric === 'bwt' ? 'BWT' : 'forgetting',
          mean: round(m),
          std: round(s),
          lo: m - s,
          hi: m + s,
          seeds: run.seeds.length,
        },
      ];
    }),
  );
  return barsWithWhiskers(runs, rows, title, 'mean ± 1 std over seeds (%); higher ACC and BWT, lower forgetting are better', '%');
}

/** Wall time per seed (s) and peak memory (MB) of every run, mean ± std. */
export function resourcesSpec(runs: readonly RunGroup[], title: string): TopLevelSpec {
  const rows = runs.flatMap((run) => {
    const out: Record<string, unknown>[] = [];
    const add = (metric: string, values: (number | null)[]) => {
      const { mean, std } = summarize(values);
      if (mean !== null)
        out.push({
          run: run.label,
          metric,
          mean: round(mean),
          std: round(std ?? 0),
          lo: mean - (std ?? 0),
          hi: mean + (std ?? 0),
          seeds: values.length,
        });
    };
    add(
      'wall time per seed (s)',
      run.seeds.map((s) => s.wall_s),
    );
    add(
      'peak memory (MB)',
      run.environments.map((e) => e.peak_rss_mb),
    );
    return out;
  });
  return barsWithWhiskers(runs, rows, title, 'mean ± 1 std over seeds (wall time) and over processes (peak resident memory)', 'value');
}
