import type { TopLevelSpec } from 'vega-lite';
import { strategyComparisonSpec, resourcesSpec } from './comparison-charts.js';
import { experienceCurvesSpec, seenAccuracySpec } from './curve-charts.js';
import { classForgettingSpec, experienceForgettingSpec } from './forgetting-charts.js';
import { heatmapSpec } from './heatmap-chart.js';
import { renderSvg } from './render-svg.js';
import { groupRuns, type RunGroup } from './run-groups.js';
import type { MetricSummary, RunReport } from './run-report.js';

/** Options of {@link htmlReport}. */
export interface HtmlReportOptions {
  /** Page title. @default 'mneme report' */
  readonly title?: string;
  /** When the page was made (ISO 8601). @default now */
  readonly generatedAt?: string;
  /** Called as each chart is drawn (long reports show progress). */
  readonly onChart?: (done: number, total: number) => void;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');
const stat = (m: MetricSummary) => (m.mean === null ? '–' : `${(100 * m.mean).toFixed(2)} ± ${(100 * (m.std ?? 0)).toFixed(2)}`);
const mean = (xs: readonly (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length === 0 ? null : v.reduce((a, x) => a + x, 0) / v.length;
};

/** A chart to draw: where it goes in the page and its spec. */
interface PendingChart {
  readonly id: string;
  readonly kind: string;
  readonly spec: TopLevelSpec;
}

/**
 * One self-contained HTML page from run reports: per benchmark, a comparison table and chart of
 * the strategies (± over seeds), accuracy-over-experiences curves, forgetting per experience, then
 * per run the accuracy-matrix heatmap, per-experience curves and per-class forgetting, and timing
 * and memory. Charts are Vega-Lite rendered to inline SVG here, so the page runs no script and
 * fetches nothing when opened.
 */
export async function htmlReport(
  inputs: readonly { readonly file: string; readonly report: RunReport }[],
  options: HtmlReportOptions = {},
): Promise<string> {
  const runs = groupRuns(inputs);
  const charts: PendingChart[] = [];
  const chart = (kind: string, spec: TopLevelSpec) => {
    const id = `chart-${charts.length}`;
    charts.push({ id, kind, spec });
    return `<!--${id}-->`;
  };
  const benchmarks = [...new Set(runs.map((r) => r.benchmark))];
  const sections = benchmarks.map((benchmark) =>
    benchmarkSection(
      benchmark,
      runs.filter((r) => r.benchmark === benchmark),
      chart,
    ),
  );
  let html = page(options.title ?? 'mneme report', options.generatedAt ?? new Date().toISOString(), runs, sections.join('\n'));
  for (const [k, c] of charts.entries()) {
    const svg = await renderSvg(c.spec);
    html = html.replace(`<!--${c.id}-->`, () => `<figure class="chart" data-chart="${c.kind}">${svg}</figure>`);
    options.onChart?.(k + 1, charts.length);
  }
  return html;
}

/** One benchmark's section: comparison, curves, forgetting, then each run, then resources. */
function benchmarkSection(benchmark: string, runs: readonly RunGroup[], chart: (kind: string, spec: TopLevelSpec) => string): string {
  const multiExperience = runs.some((r) => r.seeds.some((s) => s.matrix.length > 1));
  const perRun = runs.map((run) => {
    const classChart = classForgettingSpec(run, `${run.label}: forgetting per class`);
    return `<article id="${slug(`${benchmark}-${run.label}`)}">
<h3>${escape(run.label)}</h3>
<p class="meta">${escape(runMeta(run))}</p>
<div class="row">${chart(
      'heatmap',
      heatmapSpec(
        run.seeds.map((s) => s.matrix),
        { title: `${benchmark} · ${run.label}: accuracy matrix`, seeds: run.seeds.length },
      ),
    )}
${chart('experience-curves', experienceCurvesSpec(run, `${run.label}: accuracy per experience`))}</div>
${classChart === null ? `<p class="note">Per-class forgetting: not recorded for this run${run.command === 'mneme up' ? ' (the services report accuracy per experience only)' : ' (written before reports held per-class accuracy)'}.</p>` : chart('class-forgetting', classChart)}
</article>`;
  });
  return `<section id="${slug(benchmark)}">
<h2>${escape(benchmark)}</h2>
<p class="meta">${escape(runs[0]!.scenario)}</p>
${comparisonTable(runs)}
<div class="row">${chart('comparison', strategyComparisonSpec(runs, `${benchmark}: strategies compared`))}
${chart('seen-accuracy', seenAccuracySpec(runs, `${benchmark}: accuracy over experiences`))}</div>
${multiExperience ? chart('experience-forgetting', experienceForgettingSpec(runs, `${benchmark}: forgetting per experience`)) : '<p class="note">One experience: nothing to forget yet.</p>'}
${perRun.join('\n')}
<h3>Timing and memory</h3>
${resourcesTable(runs)}
${chart('resources', resourcesSpec(runs, `${benchmark}: timing and memory`))}
</section>`;
}

function runMeta(run: RunGroup): string {
  const options = Object.entries(run.options)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const via = run.command === 'mneme up' ? 'streamed through the services' : 'mneme run';
  return `${via} · seeds ${run.seeds.map((s) => s.seed).join(', ')}${options === '' ? '' : ` · ${options}`}${run.duplicateSeeds.length > 0 ? ` · duplicate seeds ignored: ${run.duplicateSeeds.join(', ')}` : ''}`;
}

function comparisonTable(runs: readonly RunGroup[]): string {
  const rows = runs.map(
    (r) =>
      `<tr><td>${escape(r.label)}</td><td>${r.seeds.length}</td><td>${stat(r.summary.acc)}</td><td>${stat(r.summary.bwt)}</td><td>${stat(r.summary.fwt)}</td><td>${stat(r.summary.forgetting)}</td></tr>`,
  );
  return `<table class="comparison"><thead><tr><th>run</th><th>seeds</th><th>ACC (%)</th><th>BWT (%)</th><th>FWT (%)</th><th>forgetting (%)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function resourcesTable(runs: readonly RunGroup[]): string {
  const fmt = (x: number | null, digits = 1) => (x === null ? '–' : x.toFixed(digits));
  const rows = runs.map((r) => {
    const rate = mean(r.environments.map((e) => e.samples_per_s ?? null));
    const devices = [...new Set(r.environments.map((e) => e.device ?? '–'))].join(', ');
    return `<tr><td>${escape(r.label)}</td><td>${fmt(mean(r.seeds.map((s) => s.wall_s)))}</td><td>${fmt(mean(r.environments.map((e) => e.peak_rss_mb)), 0)}</td><td>${fmt(rate, 0)}</td><td>${escape(devices)}</td><td>${escape([...new Set(r.environments.map((e) => e.transport))].join(', '))}</td></tr>`;
  });
  return `<table><thead><tr><th>run</th><th>wall time per seed (s)</th><th>peak memory (MB)</th><th>samples/s end to end</th><th>device</th><th>transport</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The metric definitions, once, from the reports (each metric's first definition). */
function definitions(runs: readonly RunGroup[]): string {
  const seen = new Map<string, string>();
  for (const r of runs) {
    for (const [k, m] of Object.entries(r.summary)) if (m.definition !== undefined && !seen.has(k)) seen.set(k, m.definition);
  }
  if (seen.size === 0) return '';
  return `<h2>Definitions</h2><dl>${[...seen.entries()].map(([k, d]) => `<dt>${escape(k === 'acc' ? 'ACC' : k === 'bwt' ? 'BWT' : k === 'fwt' ? 'FWT' : k)}</dt><dd>${escape(d)}</dd>`).join('')}</dl>`;
}

function page(title: string, generatedAt: string, runs: readonly RunGroup[], body: string): string {
  const sources = runs.flatMap((r) => r.sources);
  const inputs = sources
    .map(
      (s) =>
        `<li><code>${escape(s.file)}</code>${s.createdAt === '' ? ' (older report: no time or commit recorded)' : ` · written ${escape(s.createdAt)}${s.commit === null ? '' : ` · commit <code>${escape(s.commit.slice(0, 12))}</code>`}${s.version === '' ? '' : ` · mneme ${escape(s.version)}`}`}</li>`,
    )
    .join('');
  const nav = [...new Set(runs.map((r) => r.benchmark))].map((b) => `<a href="#${slug(b)}">${escape(b)}</a>`).join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.5rem; } h3 { margin-top: 1.8rem; }
.meta, .note { color: #555; font-size: 0.9rem; }
.row { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
figure.chart { margin: 0.8rem 0; overflow-x: auto; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: right; } th:first-child, td:first-child { text-align: left; }
thead { background: #f4f4f4; }
dt { font-weight: bold; } dd { margin: 0 0 0.6rem 1.2rem; color: #444; }
</style>
</head>
<body>
<h1>${escape(title)}</h1>
<p class="meta">Generated ${escape(generatedAt)} from ${sources.length} report${sources.length === 1 ? '' : 's'} · ${nav}</p>
${body}
${definitions(runs)}
<h2>Inputs</h2>
<ul>${inputs}</ul>
</body>
</html>
`;
}
