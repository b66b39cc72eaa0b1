import type { TopLevelSpec } from 'vega-lite';
import { meanMatrix } from './matrix-views.js';

/** Options of {@link heatmapSpec}. */
export interface HeatmapOptions {
  readonly title: string;
  /** How many seeds the matrix is the mean of (said in the subtitle). */
  readonly seeds: number;
}

const pct = (x: number) => Math.round(1000 * x) / 10;

/**
 * The accuracy matrix as a heatmap (Vega-Lite): a[i][j] in % on a fixed 0–100 colour scale with
 * its legend, rows "after training i", columns "tested on j". Cells of experiences not yet trained
 * (j > i) and values that do not exist stay blank, so nothing unmeasured reads as 0.
 */
export function heatmapSpec(matrices: readonly (readonly (readonly (number | null)[])[])[], options: HeatmapOptions): TopLevelSpec {
  const matrix = meanMatrix(matrices);
  const cells = matrix.flatMap((row, i) =>
    row.flatMap((a, j) => (j > i || a === null ? [] : [{ after: `e${i}`, on: `e${j}`, acc: pct(a) }])),
  );
  const experiences = matrix[0]?.length ?? 0;
  const names = Array.from({ length: experiences }, (_, j) => `e${j}`);
  const step = experiences > 12 ? 30 : 40;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: options.title,
      subtitle: `${options.seeds > 1 ? `mean over ${options.seeds} seeds · ` : 'one seed · '}accuracy (%) on experience j after training through i · blank: not trained yet`,
      anchor: 'start',
    },
    data: { values: cells },
    width: { step },
    height: { step },
    encoding: {
      x: {
        field: 'on',
        type: 'ordinal',
        sort: names,
        scale: { domain: names },
        title: 'tested on experience j',
        axis: { orient: 'top', labelAngle: 0 },
      },
      y: { field: 'after', type: 'ordinal', sort: names, scale: { domain: names }, title: 'after training experience i' },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'acc',
            type: 'quantitative',
            scale: { domain: [0, 100], scheme: 'viridis' },
            legend: { title: 'accuracy (%)', gradientLength: Math.max(80, step * Math.min(experiences, 8)) },
          },
          tooltip: [
            { field: 'after', title: 'after' },
            { field: 'on', title: 'on' },
            { field: 'acc', title: 'accuracy (%)' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: step > 30 ? 11 : 9 },
        encoding: {
          text: { field: 'acc', type: 'quantitative', format: '.0f' },
          color: { condition: { test: 'datum.acc < 60', value: 'white' }, value: 'black' },
        },
      },
    ],
    config: { view: { stroke: null } },
  };
}
