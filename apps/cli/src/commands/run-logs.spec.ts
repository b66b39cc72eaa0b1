/** `mneme run --log ... [--log-dir ...]` on split-mnist-mini (a run in seconds), through the real program and engine. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@mneme/errors';
import { EVENT_FILE_PREFIX, EVENT_FILE_VERSION, readEventFile, scalarsByTag } from '@mneme/experiment-log';
import { readRunReport } from '@mneme/report';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../program.js';
import { defaultLogDir } from './run-logs.js';

let dir: string;
let printed: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mneme-run-logs-'));
  printed = [];
  vi.spyOn(console, 'log').mockImplementation((s: string) => void printed.push(s));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const mneme = (...args: string[]) =>
  buildProgram()
    .exitOverride()
    .parseAsync(['node', 'mneme', 'run', '--benchmark', 'split-mnist-mini', '--quiet', '--threads', '1', ...args]);

const csvRows = (path: string): string[][] =>
  readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => l.split(','));

describe('mneme run --log', () => {
  it('writes CSV, JSON lines and TensorBoard logs beside --out, a folder per seed, and they parse', async () => {
    const out = join(dir, 'results', 'naive.json');
    await mneme('--strategy', 'naive', '--seeds', '2', '--out', out, '--log', 'csv,tensorboard,jsonl');
    const logs = join(dir, 'results', 'naive.logs');
    expect(printed.join('\n')).toContain(
      `wrote experiment logs (csv, tensorboard, jsonl) to ${logs}, a folder per seed (tensorboard --logdir ${logs})`,
    );
    expect(readdirSync(logs).sort()).toEqual(['seed-0', 'seed-1']);
    const report = readRunReport(out);
    const matrix = report.seeds[1]!.matrix as number[][];
    const run = join(logs, 'seed-1');

    // 5 experiences × 200 samples in batches of 10: 100 steps, each with naive's loss.
    const steps = csvRows(join(run, 'steps.csv'));
    expect(steps[0]).toEqual(['step', 'experience', 'batch', 'samples', 'loss', 'wall_time']);
    expect(steps).toHaveLength(101);
    expect(steps.slice(1).map((r) => Number(r[0]))).toEqual([...Array(100).keys()].map((k) => k + 1));
    const losses = steps.slice(1).map((r) => Number(r[4]));
    expect(losses.every((l) => Number.isFinite(l) && l >= 0)).toBe(true);
    // It learns: the second half of each experience has a lower loss than its first batches.
    expect(losses[19]!).toBeLessThan(losses[0]!);
    const evaluations = csvRows(join(run, 'evaluations.csv'));
    expect(evaluations[0]).toEqual(['after', 'step', 'mean_seen_accuracy', 'exp_0', 'exp_1', 'exp_2', 'exp_3', 'exp_4']);
    // The rows are the report's accuracy matrix for this seed.
    expect(evaluations.slice(1).map((r) => r.slice(3).map(Number))).toEqual(matrix);
    expect(evaluations.slice(1).map((r) => Number(r[1]))).toEqual([20, 40, 60, 80, 100]);
    const summary = csvRows(join(run, 'summary.csv'));
    expect(summary[1]!.slice(0, 3)).toEqual(['split-mnist-mini', 'naive', '1']);

    const lines = readFileSync(join(run, 'events.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    expect(lines[0]).toMatchObject({
      type: 'run_start',
      benchmark: 'split-mnist-mini',
      strategy: 'naive',
      seed: 1,
      settings: { batchSize: 10, learningRate: 0.1 },
    });
    expect(lines.filter((l) => l.type === 'step')).toHaveLength(100);
    expect(lines.filter((l) => l.type === 'evaluation')).toHaveLength(5);
    expect(lines.at(-1)).toMatchObject({ type: 'run_end', step: 100 });

    // The event file, read back record by record (both CRCs checked) and decoded.
    const [eventFile, ...more] = readdirSync(run).filter((f) => f.startsWith(EVENT_FILE_PREFIX));
    expect(more).toEqual([]);
    const events = readEventFile(join(run, eventFile!));
    expect(events[0]!.fileVersion).toBe(EVENT_FILE_VERSION);
    const scalars = scalarsByTag(events);
    expect(scalars.get('train/loss')?.map((p) => p.value)).toEqual(losses.map((l) => Math.fround(l)));
    for (let j = 0; j < 5; j++)
      expect(scalars.get(`eval/accuracy/exp_${j}`)?.map((p) => p.value)).toEqual(matrix.map((row) => Math.fround(row[j]!)));
    expect(scalars.get('eval/ACC')?.at(-1)).toEqual({ step: 100, value: Math.fround(Number(summary[1]![3])) });
    for (const tag of ['eval/BWT', 'eval/FWT', 'eval/forgetting', 'run/wall_s']) expect(scalars.get(tag), tag).toHaveLength(1);
  }, 120_000);

  it('writes into --log-dir; a strategy that trains nothing per batch logs steps without a loss', async () => {
    const logs = join(dir, 'chosen');
    await mneme('--strategy', 'knn', '--log', 'jsonl,csv', '--log-dir', logs);
    expect(readdirSync(join(logs, 'seed-0')).sort()).toEqual(['evaluations.csv', 'events.jsonl', 'steps.csv', 'summary.csv']);
    const steps = csvRows(join(logs, 'seed-0', 'steps.csv'));
    expect(steps).toHaveLength(101);
    expect(steps.slice(1).every((r) => r[4] === '')).toBe(true);
  }, 120_000);

  it('refuses unknown logger names, listing the accepted ones, and writes nothing', async () => {
    const logs = join(dir, 'never');
    const run = mneme('--strategy', 'naive', '--log', 'csv,wandb', '--log-dir', logs);
    await expect(run).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(mneme('--strategy', 'naive', '--log', 'csv,wandb', '--log-dir', logs)).rejects.toThrow(
      "unknown logger 'wandb' in --log 'csv,wandb'; accepted loggers: csv, tensorboard, jsonl",
    );
    await expect(mneme('--strategy', 'naive', '--log-dir', logs)).rejects.toThrow(/--log-dir .* needs --log/);
    expect(existsSync(logs)).toBe(false);
  });

  it('puts logs beside --out, else under .mneme/logs with the benchmark, strategy and time', () => {
    expect(defaultLogDir({ out: 'results/step6/er.json', benchmark: 'b', strategy: 's' })).toBe(join('results', 'step6', 'er.logs'));
    expect(defaultLogDir({ benchmark: 'split-mnist', strategy: 'er' }, new Date('2026-12-08T00:14:33.120Z'))).toBe(
      join('.mneme', 'logs', 'split-mnist-er-20261208-001433'),
    );
  });
});
