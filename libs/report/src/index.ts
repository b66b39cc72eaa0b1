/** Run reports: the versioned JSON both run commands write, reading it (older reports upgraded), and the HTML report. */
export { htmlReport } from './html-report.js';
export type { HtmlReportOptions } from './html-report.js';
export { heatmapSpec } from './heatmap-chart.js';
export { matrixMetrics } from './legacy-reports.js';
export { classForgetting, experienceForgetting, meanMatrix, seenAccuracyCurve } from './matrix-views.js';
export type { ClassForgetting } from './matrix-views.js';
export { parseRunReport, readRunReport } from './read-run-report.js';
export { renderSvg } from './render-svg.js';
export { groupRuns } from './run-groups.js';
export type { RunGroup } from './run-groups.js';
export { RUN_REPORT_JSON_SCHEMA } from './run-report-schema.js';
export { finiteOrNull, RUN_REPORT_SCHEMA, summarize } from './run-report.js';
export type { MetricSummary, RunEnvironment, RunReport, SeedRun, ServiceCalls } from './run-report.js';
