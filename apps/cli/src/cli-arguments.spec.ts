/**
 * Bad command lines: each is refused before anything runs, with a message that names what was
 * wrong and, where there is one, the fix. The real CLI process exits 2 with `mneme: <message>`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './program.js';

const mneme = (...args: string[]) =>
  buildProgram()
    .exitOverride()
    .parseAsync(['node', 'mneme', ...args]);
const BIN = resolve(import.meta.dirname, '../bin/mneme.mjs');

describe('mneme refuses bad arguments, naming them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mneme-cli-args-'));
  const run = ['run', '--benchmark', 'split-mnist-mini', '--strategy', 'naive', '--quiet'];

  it.each([
    [['run', '--benchmark', 'mnist-split', '--strategy', 'naive'], /unknown benchmark 'mnist-split'; valid benchmarks: .*split-mnist/],
    [['run', '--benchmark', 'split-mnist-mini', '--strategy', 'replay'], /unknown strategy 'replay'; valid strategies: .*er, /],
    [[...run, '--seeds', '0'], /--seeds must be a positive integer, got '0'/],
    [[...run, '--seeds', '1.5'], /--seeds must be a positive integer, got '1\.5'/],
    [[...run, '--lr', '-1'], /--lr must be a positive number, got '-1'/],
    [[...run, '--first-seed', '-1'], /--first-seed must be a non-negative integer, got '-1'/],
    [[...run, '--set', 'memory'], /--set expects key=value, got 'memory'/],
    [[...run, '--log', 'csv,wandb'], /wandb/],
    [[...run, '--report'], /--report writes the HTML report beside the JSON report: add --out <file\.json>/],
    [['up', '--port', '70000'], /--port must be a port number \(0-65535\), got '70000'/],
    [['up', '--services', 'trainer,gateway'], /--services: unknown gateway; services: trainer, /],
    [['up', '--serve', '--out', 'x.json'], /--out writes a benchmark report, and --serve alone streams none: add --benchmark <name>/],
    [['up', '--seed', 'one'], /--seed must be a non-negative integer, got 'one'/],
    [['report', join(dir, 'missing.json')], /missing\.json: cannot read it \(ENOENT\)/],
  ])('mneme %j', async (args, message) => {
    const attempt = mneme(...args);
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('a strategy option the strategy does not take is refused before training, naming the option', async () => {
    await expect(mneme(...run, '--set', 'memroy=10', '--out', join(dir, 'never.json'))).rejects.toThrow(/memroy/);
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });

  it('the real process prints `mneme: <message>` and exits 2', () => {
    const result = spawnSync(process.execPath, [BIN, 'run', '--benchmark', 'nope', '--strategy', 'naive'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^mneme: unknown benchmark 'nope'; valid benchmarks: /m);
    expect(result.stdout).toBe('');
  });
});
