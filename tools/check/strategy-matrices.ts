/**
 * `npm run check:matrices`: shows that a change moved no result.
 *
 *   npm run check:matrices -- --out before.json     (on the commit before the change)
 *   npm run check:matrices -- --out after.json      (on the commit after it)
 *   npm run check:matrices -- --compare before.json after.json
 *
 * The first two run every registered strategy on the equality tests' small cases (split-mnist-mini
 * and, with the MiniLM encoder imported, the tiny text set), on one thread so the runs are
 * deterministic. The third exits 1, listing each case that differs, unless every accuracy matrix
 * and per-class accuracy is equal.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_ENCODER } from '@mneme/benchmarks';
import { findWorkspaceRoot } from '@mneme/data';
import { createExecutor, Engine } from '@mneme/engine';
import { writeTinyTextSet } from '@mneme/stack';
import {
  compareMatrices,
  MATRICES_SCHEMA,
  matrixCases,
  parseMatricesFile,
  runCase,
  type CaseMatrices,
  type MatricesFile,
} from '../src/strategy-matrices.js';

const USAGE = 'usage: npm run check:matrices -- --out <file.json> [--seeds N] [--only a,b] | --compare <before.json> <after.json>';

const { values, positionals } = parseArgs({
  options: {
    out: { type: 'string' },
    compare: { type: 'boolean' },
    seeds: { type: 'string', default: '2' },
    only: { type: 'string' },
  },
  allowPositionals: true,
});

function fail(message: string): never {
  console.error(`check:matrices: ${message}\n${USAGE}`);
  process.exit(2);
}

function readMatrices(path: string): MatricesFile {
  if (!existsSync(path)) fail(`${path} does not exist`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    fail(`${path} is not JSON`);
  }
  try {
    return parseMatricesFile(json, path);
  } catch (err) {
    fail((err as Error).message);
  }
}

if (values.compare === true) {
  if (positionals.length !== 2) fail('--compare takes two files: before and after');
  const [beforePath, afterPath] = positionals as [string, string];
  const before = readMatrices(beforePath);
  const after = readMatrices(afterPath);
  const differences = compareMatrices(before, after);
  const cases = new Set([...Object.keys(before.cases), ...Object.keys(after.cases)]).size;
  for (const d of differences) console.log(`differs  ${d.name}: ${d.what}`);
  console.log(
    `${cases - differences.length} of ${cases} cases equal (before ${before.commit ?? 'unknown commit'}, after ${after.commit ?? 'unknown commit'})`,
  );
  process.exit(differences.length === 0 ? 0 : 1);
}

if (values.out === undefined) fail('say where to write the matrices (--out) or what to compare (--compare)');
const seedCount = Number(values.seeds);
if (!Number.isInteger(seedCount) || seedCount < 1) fail(`--seeds must be a positive integer, got '${values.seeds}'`);
const seeds = Array.from({ length: seedCount }, (_, i) => i);

const root = findWorkspaceRoot(process.cwd()) ?? process.cwd();
const encoderDir = resolve(root, DEFAULT_ENCODER);
const hasEncoder = existsSync(join(encoderDir, 'mneme-model.json'));
if (!hasEncoder)
  console.error(`check:matrices: no MiniLM encoder in ${DEFAULT_ENCODER} (bash tools/setup.sh imports it): the text cases are left out`);
const textDir = mkdtempSync(join(tmpdir(), 'mneme-matrices-'));
const textData = hasEncoder ? await writeTinyTextSet(textDir) : undefined;

let cases = matrixCases(textData);
if (values.only !== undefined) {
  const wanted = values.only.split(',');
  const unknown = wanted.filter((w) => !cases.some((c) => c.strategy === w));
  if (unknown.length > 0) fail(`--only names no strategy: ${unknown.join(', ')}`);
  cases = cases.filter((c) => wanted.includes(c.strategy));
}

let commit: string | null = null;
try {
  commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {
  commit = null;
}

// One thread: the runs are then deterministic, so equal code gives equal matrices.
const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
const results: Record<string, CaseMatrices> = {};
try {
  for (const [i, c] of cases.entries()) {
    const started = performance.now();
    results[c.name] = await runCase(c, seeds, executor, encoderDir);
    console.error(`[${i + 1}/${cases.length}] ${c.name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
} finally {
  rmSync(textDir, { recursive: true, force: true });
}
const file: MatricesFile = { schema: MATRICES_SCHEMA, commit, cases: results };
writeFileSync(values.out, `${JSON.stringify(file, null, 1)}\n`);
console.log(`wrote ${cases.length} cases × ${seeds.length} seeds to ${values.out}`);
process.exit(0);
