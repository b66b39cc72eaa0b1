/** `mneme run --report` and `mneme report`: the run report JSON (schema 1), its heatmap and the HTML page. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@mneme/errors';
import { readRunReport, RUN_REPORT_SCHEMA } from '@mneme/report';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../program.js';
import { reportOutPath } from './report.js';

const mneme = (...args: string[]) =>
  buildProgram()
    .exitOverride()
    .parseAsync(['node', 'mneme', ...args]);

describe('mneme run --report and mneme report', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a real run writes a schema-1 report, its heatmap and an HTML page, which mneme report reads back', { timeout: 120_000 }, async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const dir = mkdtempSync(join(tmpdir(), 'mneme-cli-report-'));
    const out = join(dir, 'split-mnist-er.json');
    await mneme('run', '--benchmark', 'split-mnist', '--strategy', 'er', '--threads', '1', '--quiet', '--out', out, '--report');

    const report = readRunReport(out);
    expect(report.schema).toBe(RUN_REPORT_SCHEMA);
    expect(report.command).toBe('mneme run');
    expect(report.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(report.class_names).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const [seed] = report.seeds;
    expect(seed!.experience_classes).toHaveLength(5);
    expect(seed!.experience_classes.flat().sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Per-class accuracy after each experience; a class not yet trained is never predicted.
    expect(seed!.class_accuracy).toHaveLength(5);
    const later = seed!.experience_classes[4]![0]!;
    expect(seed!.class_accuracy![0]![later]).toBe(0);
    expect(seed!.acc).toBeCloseTo(report.summary.acc.mean!, 12);
    expect(readFileSync(out.replace('.json', '.heatmap.svg'), 'utf8')).toMatch(/^<svg[\s\S]*accuracy \(%\)[\s\S]*<\/svg>$/);
    const html = readFileSync(out.replace('.json', '.html'), 'utf8');
    expect(html).toContain('data-chart="class-forgetting"');

    // Two reports of one configuration are one run of two seeds in the comparison.
    const copy = join(dir, 'split-mnist-er-seed-7.json');
    const json = JSON.parse(readFileSync(out, 'utf8'));
    json.seeds[0].seed = 7;
    writeFileSync(copy, JSON.stringify(json));
    const page = join(dir, 'both.html');
    await mneme('report', out, copy, '--out', page);
    expect(readFileSync(page, 'utf8')).toMatch(/<tr><td>er<\/td><td>2<\/td>/);
  });

  it('refuses bad input with the fix, and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mneme-cli-report-'));
    await expect(mneme('run', '--benchmark', 'split-mnist', '--strategy', 'er', '--report')).rejects.toThrow(
      /--report writes the HTML report beside the JSON report: add --out <file\.json>/,
    );
    const page = join(dir, 'never.html');
    await expect(mneme('report', join(dir, 'missing.json'), '--out', page)).rejects.toThrow(InvalidArgumentError);
    expect(existsSync(page)).toBe(false);
    expect(() => reportOutPath(['a.json'], 'report.png')).toThrow(/--out must name an \.html file, got 'report\.png'/);
    expect(reportOutPath(['runs/a.json'], undefined)).toBe('runs/a.html');
    expect(reportOutPath(['a.json', 'b.json'], undefined)).toBe('mneme-report.html');
  });
});
