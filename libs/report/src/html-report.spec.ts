import { describe, expect, it } from 'vitest';
import { htmlReport } from './html-report.js';
import { syntheticReport } from './run-report.test-util.js';

/** The inline SVG of each chart of a kind, in page order. */
const figures = (html: string, kind: string) =>
  [...html.matchAll(new RegExp(`<figure class="chart" data-chart="${kind}">(<svg[\\s\\S]*?</svg>)</figure>`, 'g'))].map((m) => m[1]!);

describe('htmlReport', () => {
  const inputs = [
    { file: 'er-s0.json', report: syntheticReport({ strategy: 'er', seeds: [0] }) },
    { file: 'er-s1.json', report: syntheticReport({ strategy: 'er', seeds: [1] }) },
    { file: 'naive.json', report: syntheticReport({ strategy: 'naive', seeds: [0, 1], decay: 0.3 }) },
    { file: 'up.json', report: syntheticReport({ strategy: 'mir', seeds: [0], command: 'mneme up', perClass: false }) },
  ];

  it('draws every chart as inline SVG in a page that loads nothing', async () => {
    const html = await htmlReport(inputs, { generatedAt: '2026-12-08T00:00:00Z' });
    // One section for the benchmark: comparison, curves, forgetting per experience, resources.
    for (const kind of ['comparison', 'seen-accuracy', 'experience-forgetting', 'resources']) expect(figures(html, kind)).toHaveLength(1);
    // Per run (seed files of the same configuration merged): heatmap and curves; per-class only where recorded.
    expect(figures(html, 'heatmap')).toHaveLength(3);
    expect(figures(html, 'experience-curves')).toHaveLength(3);
    expect(figures(html, 'class-forgetting')).toHaveLength(2);
    expect(html).toContain('Per-class forgetting: not recorded for this run (the services report accuracy per experience only)');
    expect(html).not.toMatch(/<script|<link|<img|@import/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
  });

  it('leaves not-yet-trained cells blank, with a legend and a title that says what the matrix is', async () => {
    const html = await htmlReport([inputs[0]!, inputs[1]!]);
    const [heatmap] = figures(html, 'heatmap');
    // Four experiences: 4·5/2 = 10 trained cells, each a rect and a label; the 6 cells above the diagonal are not drawn.
    const cells = heatmap!.match(/<g class="mark-rect role-mark layer_0_marks"[^>]*>([\s\S]*?)<\/g>/)![1]!;
    expect(cells.match(/<path/g)).toHaveLength(10);
    expect(heatmap).toContain('accuracy (%)');
    expect(heatmap).toContain('mean over 2 seeds');
    expect(heatmap).toContain('blank: not trained yet');
  });

  it('compares runs with mean ± std over their seeds', async () => {
    const html = await htmlReport(inputs);
    const row = html.match(/<tr><td>er<\/td><td>2<\/td><td>([^<]+)<\/td>/);
    const accs = [inputs[0]!.report.seeds[0]!.acc!, inputs[1]!.report.seeds[0]!.acc!];
    const mean = (accs[0]! + accs[1]!) / 2;
    const std = Math.abs(accs[0]! - accs[1]!) / Math.SQRT2;
    expect(row?.[1]).toBe(`${(100 * mean).toFixed(2)} ± ${(100 * std).toFixed(2)}`);
    expect(html).toContain('<td>mir · services</td>');
  });
});
