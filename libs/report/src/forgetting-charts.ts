import type { TopLevelSpec } from 'vega-lite';
import { classForgetting, experienceForgetting } from './matrix-views.js';
import { runColour, type RunGroup } from './run-groups.js';
import { summarize } from './run-report.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const pts = (x: number) => Math.round(1000 * x) / 10;

/** Forgetting of each experience before the last (percentage points, mean ± std over seeds), runs side by side. */
export function experienceForgettingSpec(runs: readonly RunGroup[], title: string): TopLevelSpec {
  const bars = runs.flatMap((run) => {
    const perSeed = run.seeds.map((s) => experienceForgetting(s.matrix));
    const length = Math.max(0, ...perSeed.map((f) => f.length));
    return Array.from({ length }, (_, j) => {
      const { mean, std } = summarize(perSeed.map((f) => f[j] ?? null));
      return mean === null
        ? []
        : [
            {
              run: run.label,
              experience: `e${j}`,
              order: j,
              forgetting: pts(mean),
              lo: pts(mean - (std ?? 0)),
              hi: pts(mean + (std ?? 0)),
            },
          ];
    }).flat();
  });
  const order = [...new Set(bars.sort((a, b) => a.order - b.order).map((b) => b.experience))];
  const x = { field: 'experience', type: 'ordinal', sort: order, title: 'experience', axis: { labelAngle: 0 } } as const;
  return {
    $schema: SCHEMA,
    title: {
      text: title,
      subtitle:
        'forgetting of each experience: its best accuracy before the last experience minus its final accuracy (points); whiskers ± 1 std',
      anchor: 'start',
    },
    data: { values: bars },
    // With xOffset a step is one bar's width, not one experience's.
    width: { step: Math.max(6, Math.round(40 / Math.max(1, runs.length))) },
    height: 220,
    encoding: { x, xOffset: { field: 'run', type: 'nominal', scale: { domain: runs.map((r) => r.label) } }, color: runColour(runs) },
    layer: [
      {
        mark: 'bar',
        encoding: {
          y: { field: 'forgetting', type: 'quantitative', title: 'forgetting (points)' },
          tooltip: [{ field: 'run' }, { field: 'experience' }, { field: 'forgetting', title: 'forgetting (points)' }],
        },
      },
      { mark: { type: 'rule', color: 'black' }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    ],
  };
}

/**
 * Forgetting of each class of the experiences before the last (points, mean over seeds), classes
 * ordered by the experience that brought them. Null when the run recorded no per-class accuracy.
 */
export function classForgettingSpec(run: RunGroup, title: string): TopLevelSpec | null {
  const seeds = run.seeds.filter((s) => s.class_accuracy !== undefined && s.experience_classes.length > 0);
  if (seeds.length === 0) return null;
  const byClass = new Map<number, { experience: number; values: (number | null)[] }>();
  for (const s of seeds) {
    for (const f of classForgetting(s.class_accuracy!, s.experience_classes)) {
      const entry = byClass.get(f.classId) ?? { experience: f.experience, values: [] };
      entry.values.push(f.forgetting);
      byClass.set(f.classId, entry);
    }
  }
  const bars = [...byClass.entries()].flatMap(([classId, { experience, values }]) => {
    const { mean } = summarize(values);
    return mean === null
      ? []
      : [
          {
            name: run.classNames[classId] ?? String(classId),
            classId,
            experience: `e${experience}`,
            order: experience,
            forgetting: pts(mean),
          },
        ];
  });
  if (bars.length === 0) return null;
  bars.sort((a, b) => a.order - b.order || a.classId - b.classId);
  return {
    $schema: SCHEMA,
    title: {
      text: title,
      subtitle: `forgetting of each class (points, mean over ${seeds.length} seed${seeds.length > 1 ? 's' : ''}); colour: the experience that brought it`,
      anchor: 'start',
    },
    data: { values: bars },
    width: { step: bars.length > 60 ? 7 : 16 },
    height: 200,
    mark: 'bar',
    encoding: {
      x: {
        field: 'name',
        type: 'nominal',
        sort: bars.map((b) => b.name),
        title: 'class',
        axis: bars.length > 60 ? { labels: false, ticks: false } : { labelAngle: -60 },
      },
      y: { field: 'forgetting', type: 'quantitative', title: 'forgetting (points)' },
      color: { field: 'experience', type: 'ordinal', sort: { field: 'order' }, title: 'experience', scale: { scheme: 'viridis' } },
      tooltip: [{ field: 'name', title: 'class' }, { field: 'experience' }, { field: 'forgetting', title: 'forgetting (points)' }],
    },
  };
}
