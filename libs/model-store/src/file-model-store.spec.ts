import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParameterStore } from '@mneme/execution';
import { tensor } from '@mneme/tensor';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileModelStore } from './file-model-store.js';
import type { ModelRecord } from './model-records.js';

const record: ModelRecord = {
  modelId: 'm1',
  base: 'mlp:4-8',
  scenario: 'class-incremental',
  strategy: { name: 'naive', options: {} },
  labels: ['a', 'b'],
  seed: 7,
  createdAt: 1,
};

function state(value: number) {
  const params = new ParameterStore();
  params.set('w', tensor('float32', [2], Float32Array.of(value, -value)));
  return { params, data: { memory: { ids: [1, 2], rng: [3, 4] } } };
}

describe('FileModelStore', () => {
  let dir: string;
  let store: FileModelStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mneme-store-'));
    store = new FileModelStore(dir);
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('creates a model once; the same definition again is a no-op, another one is already-exists', async () => {
    expect(await store.createModel(record)).toEqual({ created: true });
    expect(await store.createModel({ ...record, createdAt: 99 })).toEqual({ created: false });
    await expect(store.createModel({ ...record, labels: ['a', 'c'] })).rejects.toMatchObject({ kind: 'already-exists' });
    await expect(store.createModel({ ...record, modelId: '../x' })).rejects.toMatchObject({ kind: 'invalid-argument' });
    expect(await store.listModels()).toEqual(['m1']);
  });

  it('saves numbered versions whose state restores exactly, and promotes one at a time', async () => {
    await store.createModel(record);
    const v1 = await store.saveVersion('m1', state(1), { trainedThrough: -1, samplesSeen: 0 });
    const v2 = await store.saveVersion('m1', state(2), { trainedThrough: 0, samplesSeen: 10 });
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect((await store.saveVersion('m1', state(9), { trainedThrough: 0, samplesSeen: 10, version: 2 })).version).toBe(2); // idempotent
    await expect(store.saveVersion('m1', state(9), { trainedThrough: 0, samplesSeen: 10, version: 5 })).rejects.toMatchObject({
      kind: 'failed-precondition',
    });
    const restored = await store.loadVersionState('m1', 2);
    expect(Array.from(restored.params.get('w').data)).toEqual([2, -2]);
    expect(restored.data).toEqual({ memory: { ids: [1, 2], rng: [3, 4] } });
    expect((await store.getVersion('m1')).version).toBe(2); // newest while none is promoted
    await store.promote('m1', 1);
    expect((await store.getVersion('m1')).version).toBe(1);
    await store.promote('m1', 2);
    expect((await store.listVersions('m1')).map((v) => `${v.version}:${v.state}`)).toEqual(['2:promoted', '1:retired']);
    await expect(store.getVersion('m1', 7)).rejects.toMatchObject({ kind: 'not-found' });
    await expect(store.getModel('nope')).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('gives services a state folder inside the model folder, and refuses names that could escape it', async () => {
    expect(store.stateDir('m1', 'trainer')).toBe(join(store.root, 'm1', 'trainer'));
    expect(() => store.stateDir('m1', '../x')).toThrow(/cannot name a state folder/);
    expect(() => store.stateDir('m1', 'versions')).toThrow(/not 'versions'/);
    expect(() => store.stateDir('../m', 'trainer')).toThrow(/model id/);
  });
});
