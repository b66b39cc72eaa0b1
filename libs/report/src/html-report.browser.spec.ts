import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { htmlReport } from './html-report.js';
import { syntheticReport } from './run-report.test-util.js';

/** Debian's Chromium (.ci/run installs it); MNEME_CHROMIUM overrides the path. */
const executable = process.env['MNEME_CHROMIUM'] ?? '/usr/bin/chromium';
const available = existsSync(executable);
if (!available && process.env['MNEME_CHROMIUM_REQUIRED'] === '1')
  throw new Error(`MNEME_CHROMIUM_REQUIRED=1 but there is no Chromium at ${executable}: apt-get install chromium, or set MNEME_CHROMIUM`);
if (!available)
  console.warn(
    `skipping the browser test of the HTML report: no Chromium at ${executable} (apt-get install chromium, or set MNEME_CHROMIUM)`,
  );

/** Where the screenshot goes (.mneme is not committed); MNEME_REPORT_PNG overrides it. */
const screenshot = process.env['MNEME_REPORT_PNG'] ?? join(import.meta.dirname, '..', '..', '..', '.mneme', 'report-test', 'report.png');

describe.skipIf(!available)('the HTML report in headless Chromium', () => {
  it('draws every chart offline and is saved as a PNG', { timeout: 90_000 }, async () => {
    const html = await htmlReport([
      { file: 'er.json', report: syntheticReport({ strategy: 'er', seeds: [0, 1, 2] }) },
      { file: 'naive.json', report: syntheticReport({ strategy: 'naive', seeds: [0, 1, 2], decay: 0.3 }) },
    ]);
    const file = join(mkdtempSync(join(tmpdir(), 'mneme-report-')), 'report.html');
    writeFileSync(file, html);
    // The flags keep Chromium from reaching for the network on its own (closed networks refuse it noisily).
    const browser = await chromium.launch({
      executablePath: executable,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const requested: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requested.push(r.url());
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const charts = await page.$$eval('figure.chart', (figures) =>
        figures.map((f) => {
          const svg = f.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return {
            kind: f.getAttribute('data-chart'),
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            marks: svg?.querySelectorAll('.role-mark path, .role-mark line, .role-mark text').length ?? 0,
          };
        }),
      );
      expect(requested).toEqual([]);
      expect(charts.map((c) => c.kind)).toEqual([
        'comparison',
        'seen-accuracy',
        'experience-forgetting',
        'heatmap',
        'experience-curves',
        'class-forgetting',
        'heatmap',
        'experience-curves',
        'class-forgetting',
        'resources',
      ]);
      for (const c of charts) {
        expect(c.width, `${c.kind} width`).toBeGreaterThan(100);
        expect(c.height, `${c.kind} height`).toBeGreaterThan(100);
        expect(c.marks, `${c.kind} marks`).toBeGreaterThan(3);
      }
      // Heatmap cells are painted in colour, not left as empty boxes.
      const fills = await page.$$eval('figure[data-chart="heatmap"] .mark-rect path', (paths) => paths.map((p) => p.getAttribute('fill')));
      expect(new Set(fills).size).toBeGreaterThan(3);
      mkdirSync(join(screenshot, '..'), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(existsSync(screenshot)).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
