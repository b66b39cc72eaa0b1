import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@mneme/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryAppliedEvents } from './applied-events.js';
import { FileAppliedEvents } from './file-applied-events.js';

describe('InMemoryAppliedEvents', () => {
  it('remembers marked ids up to its capacity, forgetting the oldest', async () => {
    const applied = new InMemoryAppliedEvents({ capacity: 2 });
    await applied.mark('a');
    await applied.mark('b');
    await applied.mark('c');
    expect([await applied.has('a'), await applied.has('b'), await applied.has('c')]).toEqual([false, true, true]);
  });

  it('rejects ids that are empty or contain whitespace, and a bad capacity', async () => {
    const applied = new InMemoryAppliedEvents();
    await expect(async () => applied.mark('')).rejects.toThrow(InvalidArgumentError);
    await expect(async () => applied.mark('a b')).rejects.toThrow(InvalidArgumentError);
    expect(() => new InMemoryAppliedEvents({ capacity: 0 })).toThrow(/positive integer/);
  });
});

describe('FileAppliedEvents', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mneme-applied-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('survives a restart: a reopened log still has every marked id', async () => {
    const path = join(dir, 'nested', 'trainer.applied');
    const first = await FileAppliedEvents.open(path);
    await Promise.all(['e1', 'e2', 'e3'].map((id) => first.mark(id)));
    await first.mark('e2');
    await first.close();
    expect((await readFile(path, 'utf8')).split('\n').filter(Boolean).sort()).toEqual(['e1', 'e2', 'e3']);
    const second = await FileAppliedEvents.open(path);
    expect([await second.has('e1'), await second.has('e3'), await second.has('e4')]).toEqual([true, true, false]);
    await second.close();
  });

  it('ignores and truncates a torn last line left by a crash mid-write', async () => {
    const path = join(dir, 'log');
    await writeFile(path, 'e1\ne2\ne3-half');
    const applied = await FileAppliedEvents.open(path);
    expect([await applied.has('e2'), await applied.has('e3-half')]).toEqual([true, false]);
    await applied.mark('e4');
    await applied.close();
    expect(await readFile(path, 'utf8')).toBe('e1\ne2\ne4\n');
  });

  it('compacts to the newest ids when the log reaches twice its capacity', async () => {
    const path = join(dir, 'log');
    const applied = await FileAppliedEvents.open(path, { capacity: 3 });
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) await applied.mark(id);
    expect(await readFile(path, 'utf8')).toBe('d\ne\nf\n');
    await applied.mark('g');
    await applied.close();
    const reopened = await FileAppliedEvents.open(path, { capacity: 3 });
    expect([await reopened.has('a'), await reopened.has('e'), await reopened.has('g')]).toEqual([false, true, true]);
    await reopened.close();
  });

  it('refuses marks after close', async () => {
    const applied = await FileAppliedEvents.open(join(dir, 'log'));
    await applied.close();
    await applied.close();
    await expect(applied.mark('x')).rejects.toThrow(/closed/);
  });
});
