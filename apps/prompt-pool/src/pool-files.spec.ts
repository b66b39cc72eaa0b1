import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeDir, tempDataDir } from '@mneme/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PoolFiles } from './pool-files.js';
import type { PoolVersion } from './pool-version.js';

const b64 = (values: number[]) => Buffer.from(Float32Array.from(values).buffer).toString('base64');

describe('pool version files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDataDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('reads a file written before pools named their method as an L2P pool without shared tensors', async () => {
    await mkdir(join(dir, 'm', '_default'), { recursive: true });
    const old = {
      format: 1,
      ref: { modelId: 'm', tenant: '' },
      spec: { poolSize: 1, promptLength: 1, topN: 1, hiddenSize: 2, seed: 3 },
      version: 1,
      selectionCounts: [0],
      createdAt: 1,
      prompts: b64([1, 2]),
      keys: b64([3, 4]),
    };
    await writeFile(join(dir, 'm', '_default', 'v00000001.json'), JSON.stringify(old));
    const pool = await new PoolFiles(dir).load('m/_default', 1);
    expect(pool.spec.method).toBe('l2p');
    expect(pool.shared.size).toBe(0);
    expect(pool.modelVersion).toBe(0);
    expect([...pool.keys]).toEqual([3, 4]);
  });

  it('writes and reads back a prefix pool’s shared tensors exactly', async () => {
    const files = new PoolFiles(dir);
    const g = Float32Array.from([0.1, -0.2, 0.3, 1e-7]);
    const pool: PoolVersion = {
      ref: { modelId: 'm', tenant: 'acme' },
      spec: { poolSize: 1, promptLength: 2, topN: 1, hiddenSize: 2, seed: 0, method: 'dual-prompt' },
      version: 2,
      prompts: Float32Array.from([1, 2, 3, 4]),
      keys: Float32Array.from([5, 6]),
      selectionCounts: [0],
      modelVersion: 2,
      createdAt: 5,
      shared: new Map([['g_prompt', { shape: [2, 2], data: g }]]),
    };
    await files.save('m/acme', pool);
    const back = await files.load('m/acme', 2);
    expect(back.spec).toEqual(pool.spec);
    expect(back.shared.get('g_prompt')).toEqual({ shape: [2, 2], data: g });
  });
});
