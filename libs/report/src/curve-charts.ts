import type { TopLevelSpec } from 'vega-lite';
import { meanMatrix, seenAccuracyCurve } from './matrix-views.js';
import { runColour, type RunGroup } from './run-groups.js';
import { summarize } from './run-report.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const pct = (x: number | null) => (x === null ? null : Math.round(1000 * x) / 10);

/**
 * Mean accuracy over the experiences seen so far, after each experience, one line per run with a
 * band of ± one standard deviation over seeds (where there are several).
 */
export function seenAccuracySpec(runs: readonly RunGroup[], title: string): TopLevelSpec {
  const points = runs.flatMap((run) => {
    const curves = run.seeds.map((s) => seenAccuracyCurve(s.matrix));
    const length = Math.max(...curves.map((c) => c.length));
    return Array.from({ length }, (_, i) => {
      const { mean, std } = summarize(curves.map((c) => c[i] ?? null));
      return mean === null
        ? []
        : [{ run: run.label, after: i + 1, mean: pct(mean), lo: pct(mean - (std ?? 0)), hi: pct(mean + (std ?? 0)) }];
    }).flat();
  });
  const x = { field: 'after', type: 'quantitative', title: 'experiences trained', axis: { tickMinStep: 1, format: 'd' } } as const;
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle: 'mean accuracy on the experiences seen so far (%); band: ± 1 std over seeds', anchor: 'start' },
    data: { values: points },
    width: 420,
    height: 240,
    layer: [
      {
        mark: { type: 'errorband', opacity: 0.2 },
        encoding: {
          x,
          y: { field: 'lo', type: 'quantitative', title: 'accuracy (%)', scale: { domain: [0, 100] } },
          y2: { field: 'hi' },
          color: runColour(runs),
        },
      },
      {
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'mean', type: 'quantitative', title: 'accuracy (%)' },
          color: runColour(runs),
          tooltip: [{ field: 'run' }, { field: 'after', title: 'experiences' }, { field: 'mean', title: 'accuracy (%)' }],
        },
      },
    ],
  };
}

/** Accuracy on each experience as training goes on (mean over seeds), one line per experience, from when it was trained. */
export function experienceCurvesSpec(run: RunGroup, title: string): TopLevelSpec {
  const matrix = meanMatrix(run.seeds.map((s) => s.matrix));
  const points = matrix.flatMap((row, i) =>
    row.flatMap((a, j) => (j > i || a === null ? [] : [{ experience: `e${j}`, order: j, after: i + 1, acc: pct(a) }])),
  );
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle: 'accuracy (%) on each experience after each experience trained', anchor: 'start' },
    data: { values: points },
    width: 360,
    height: 240,
    mark: { type: 'line', point: { size: 20 } },
    encoding: {
      x: { field: 'after', type: 'quantitative', title: 'experiences trained', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'acc', type: 'quantitative', title: 'accuracy (%)', scale: { domain: [0, 100] } },
      color: { field: 'experience', type: 'ordinal', sort: { field: 'order' }, title: 'experience', scale: { scheme: 'viridis' } },
      tooltip: [{ field: 'experience' }, { field: 'after', title: 'after' }, { field: 'acc', title: 'accuracy (%)' }],
    },
  };
}
