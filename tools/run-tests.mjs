#!/usr/bin/env node
// The README's test command: lint, typecheck and test every project with nx, then print one
// closing line that sums every project's vitest report ("Tests: N passed, N failed, N skipped").
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const reports = join(root, '.mneme/test-reports');
const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['lint', 'typecheck', 'test'];

rmSync(reports, { recursive: true, force: true });
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
const nx = spawnSync('npx', ['nx', 'run-many', '-t', ...targets, '--output-style=static', '--skip-nx-cache'], {
  cwd: root,
  stdio: 'inherit',
  env,
});

const totals = { passed: 0, failed: 0, skipped: 0, projects: 0 };
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
for (const file of existsSync(reports) ? walk(reports).filter((f) => f.endsWith('.json')) : []) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += report.numFailedTests ?? 0;
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  totals.projects += 1;
}
const ran = targets.includes('test');
if (ran) {
  console.log(`\n${totals.projects} projects tested`);
  console.log(`Tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
}
const failed = nx.status !== 0 || totals.failed > 0 || (ran && totals.passed === 0);
process.exit(failed ? 1 : 0);
