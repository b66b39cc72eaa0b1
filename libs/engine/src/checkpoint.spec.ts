import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor } from '@mneme/tensor';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { ParameterStore } from '@mneme/execution';
import { randomValues, seededRandom } from './test-helpers.test-util.js';

function sampleStore(): ParameterStore {
  const random = seededRandom(7);
  const store = new ParameterStore();
  // Odd sizes so entries need alignment padding; special values must survive bit for bit.
  const w = randomValues(random, 15);
  w[0] = Number.NaN;
  w[1] = -0;
  w[2] = Number.POSITIVE_INFINITY;
  w[3] = 1e-45; // a subnormal
  new Uint32Array(w.buffer)[4] = 0x7fc00123; // a NaN with a payload
  store.set('layer.0/weight', tensor('float32', [3, 5], w));
  store.set('bias', tensor('float32', [3], randomValues(random, 3)));
  store.set('scale', tensor('float32', [], randomValues(random, 1)));
  store.setState('layer.0/weight', 'm', tensor('float32', [3, 5], randomValues(random, 15)));
  store.setState('layer.0/weight', 'v', tensor('float32', [3, 5], randomValues(random, 15)));
  store.setState('bias', 'm', tensor('float32', [3], randomValues(random, 3)));
  store.step = 1234;
  store.metadata = { optimizer: '{"kind":"adam"}', model: 'mlp@3' };
  return store;
}

const bits = (data: Float32Array): number[] => Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));

describe('checkpoints', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mneme-ckpt-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips parameters, state, step and metadata bit-exactly', async () => {
    const store = sampleStore();
    const path = join(dir, 'model.ckpt');
    await saveCheckpoint(path, store);
    const back = await loadCheckpoint(path);
    expect(back.names()).toEqual(store.names());
    expect(back.step).toBe(1234);
    expect(back.metadata).toEqual(store.metadata);
    for (const name of store.names()) {
      expect(back.get(name).shape).toEqual(store.get(name).shape);
      expect(bits(back.get(name).data)).toEqual(bits(store.get(name).data));
      expect(back.stateSlots(name)).toEqual(store.stateSlots(name));
      for (const slot of store.stateSlots(name))
        expect(bits(back.getState(name, slot).data)).toEqual(bits(store.getState(name, slot).data));
    }
    // Written atomically: no temporary file is left behind, and overwriting works.
    store.step = 1235;
    await saveCheckpoint(path, store);
    expect(await readdir(dir)).toEqual(['model.ckpt']);
    expect((await loadCheckpoint(path)).step).toBe(1235);
  });

  it('detects a flipped bit in the data', async () => {
    const path = join(dir, 'a.ckpt');
    await saveCheckpoint(path, sampleStore());
    const bytes = await readFile(path);
    bytes[bytes.length - 5]! ^= 0x01;
    await writeFile(path, bytes);
    await expect(loadCheckpoint(path)).rejects.toThrow(/data is corrupt \(sha256 mismatch\)/);
  });

  it('detects a corrupt header', async () => {
    const path = join(dir, 'b.ckpt');
    await saveCheckpoint(path, sampleStore());
    const bytes = await readFile(path);
    bytes[60]! ^= 0x20;
    await writeFile(path, bytes);
    await expect(loadCheckpoint(path)).rejects.toThrow(/header is corrupt/);
  });

  it('detects truncation and trailing bytes', async () => {
    const path = join(dir, 'c.ckpt');
    await saveCheckpoint(path, sampleStore());
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 10));
    const error = await loadCheckpoint(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).kind).toBe('failed-precondition');
    expect((error as CheckpointError).message).toMatch(/truncated \(\d+ bytes, expected \d+\)/);
    await writeFile(path, bytes.subarray(0, 30));
    await expect(loadCheckpoint(path)).rejects.toThrow(/truncated \(30 bytes, shorter than the 48-byte preamble\)/);
    await writeFile(path, bytes.subarray(0, 100));
    await expect(loadCheckpoint(path)).rejects.toThrow(/truncated inside the header/);
    await writeFile(path, Buffer.concat([bytes, Buffer.from([0])]));
    await expect(loadCheckpoint(path)).rejects.toThrow(/1 unexpected trailing bytes/);
  });

  it('rejects files that are not checkpoints', async () => {
    const path = join(dir, 'model.onnx');
    await writeFile(path, Buffer.alloc(64, 7));
    await expect(loadCheckpoint(path)).rejects.toThrow(/not a mneme checkpoint/);
  });
});
