import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { heatmapSpec, htmlReport, parseRunReport, renderSvg, type RunReport } from '@mneme/report';

/** The files {@link writeRunReport} wrote. */
export interface WrittenReport {
  readonly json: string;
  readonly heatmap: string;
  readonly html?: string;
}

/**
 * Writes a run report as JSON at `out`, its accuracy-matrix heatmap as SVG beside it
 * (`<name>.heatmap.svg`) and, with `html`, the HTML report (`<name>.html`). The report is
 * validated against its schema first, so a file that was written can always be read back.
 */
export async function writeRunReport(out: string, report: RunReport, options: { html: boolean }): Promise<WrittenReport> {
  parseRunReport(JSON.parse(JSON.stringify(report)), out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  const base = out.replace(/\.json$/i, '');
  const heatmap = `${base}.heatmap.svg`;
  const title = `${report.benchmark} · ${report.strategy}${report.command === 'mneme up' ? ' via services' : ''}`;
  writeFileSync(
    heatmap,
    await renderSvg(
      heatmapSpec(
        report.seeds.map((s) => s.matrix),
        { title, seeds: report.seeds.length },
      ),
    ),
  );
  if (!options.html) return { json: out, heatmap };
  const html = `${base}.html`;
  writeFileSync(html, await htmlReport([{ file: out, report }], { title: `mneme report: ${title}` }));
  return { json: out, heatmap, html };
}
