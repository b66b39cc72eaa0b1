/** The generic `text` benchmark refuses data that cannot give an honest result, before any encoding. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Executor } from '@mneme/execution';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { textBenchmark } from './clinc150-benchmark.js';

// Every refusal comes before the encoder runs, so no executor is needed.
const build = (textData: string, evaluateOn?: 'validation') =>
  textBenchmark.build({
    seed: 0,
    settings: textBenchmark.defaults,
    executor: undefined as unknown as Executor,
    textData,
    ...(evaluateOn === undefined ? {} : { evaluateOn }),
  });

describe('text benchmark input checks', () => {
  let dir: string;
  beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'mneme-text-bench-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('refuses a missing folder in one line naming it', async () => {
    await expect(build(join(dir, 'nope'))).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: `--data ${join(dir, 'nope')}: no such folder; give the folder that holds the data set's .jsonl or .csv files`,
    });
  });

  it('refuses a set without test rows, naming the fix', async () => {
    await writeFile(join(dir, 'data.csv'), 'text,label\nhello,greet\nbye,leave\n');
    await expect(build(dir)).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('has no test rows: give rows a `split` field or column'),
    });
  });

  it('refuses a set with one class', async () => {
    await writeFile(join(dir, 'train.csv'), 'text,label\nhello,greet\nhi,greet\n');
    await writeFile(join(dir, 'test.csv'), 'text,label\nhey,greet\n');
    await expect(build(dir)).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('has 1 class; continual classification needs at least 2'),
    });
  });

  it('refuses --tune on a set without validation rows, naming the fix (it would score nothing)', async () => {
    await writeFile(join(dir, 'train.csv'), 'text,label\nhello,greet\nbye,leave\n');
    await writeFile(join(dir, 'test.csv'), 'text,label\nhey,greet\nsee you,leave\n');
    await expect(build(dir, 'validation')).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('--tune scores on validation rows, and'),
    });
  });
});
