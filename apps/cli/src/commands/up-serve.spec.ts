/**
 * `mneme up --serve` without --benchmark only serves: the real CLI (bin/mneme.mjs, as `npx mneme`
 * runs it) starts the embedded stack, streams nothing, answers gRPC health checks, and a SIGTERM
 * to the wrapper, or to npx in front of it, stops the server gracefully.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { healthClient } from '@mneme/rpc';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = resolve(import.meta.dirname, '../../bin/mneme.mjs');

describe('mneme up --serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mneme-up-serve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves without streaming a benchmark, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'up', '--serve', '--port', '0', '--services', 'trainer,evaluator', '--data-dir', join(dir, 'state')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      // The address is in the start line; "serving on" follows at once when nothing is streamed.
      const deadline = Date.now() + 60_000;
      while (!/serving on /.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/serving on /);
      expect(out).not.toMatch(/experience \d+ ingested/);
      const address = /on ([\d.]+:\d+) \(plaintext\)/.exec(out)![1]!;
      const health = healthClient(address);
      try {
        expect(await health.check()).toBe('SERVING');
      } finally {
        health.close();
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 90_000);

  it('started through npx, stops serving when npx gets SIGTERM (npm does not pass it on)', async () => {
    const child = spawn('npx', ['mneme', 'up', '--serve', '--port', '0', '--services', 'trainer', '--data-dir', join(dir, 'npx-state')], {
      cwd: resolve(import.meta.dirname, '../../../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const deadline = Date.now() + 60_000;
    while (!/serving on /.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    const address = /on ([\d.]+:\d+) \(plaintext\)/.exec(out)?.[1];
    expect(address, out).toBeDefined();
    child.kill('SIGTERM');
    // The server behind npx must go too: its health check stops answering within seconds.
    let serving = true;
    for (let i = 0; i < 100 && serving; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const health = healthClient(address!);
      serving = await health.check('', 500).then(
        () => true,
        () => false,
      );
      health.close();
    }
    expect(serving).toBe(false);
  }, 90_000);

  it('refuses --out without a benchmark to report, naming the fix, before starting anything', async () => {
    const child = spawn(process.execPath, [BIN, 'up', '--serve', '--out', join(dir, 'r.json'), '--data-dir', join(dir, 'never')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    expect(code).not.toBe(0);
    expect(err).toContain('--out writes a benchmark report, and --serve alone streams none: add --benchmark <name>');
  }, 60_000);
});
