import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainingSample } from '@mneme/contracts';
import { FileModelStore, SampleLog, segmentPath, type ModelRecord } from '@mneme/model-store';
import { tensor } from '@mneme/tensor';
import { toWire } from '@mneme/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quietLogger, removeDir, tempDataDir, testExecutor } from '@mneme/testing';
import { ServiceMetrics } from '@mneme/service-runtime';
import { ModelTrainer } from './model-trainer.js';
import { FencedError, ModelLease, ReplicaHeartbeat, trainerPaths } from './trainer-lease.js';

const record: ModelRecord = {
  modelId: 'm',
  base: 'mlp:2-4',
  scenario: 'class-incremental',
  strategy: { name: 'er', options: { memory: '4', 'batch-size': '2' } },
  labels: ['a', 'b'],
  seed: 1,
  createdAt: 0,
};

const sample = (i: number, experience: number): TrainingSample => ({
  sample: {
    sampleId: `s${i}`,
    label: experience === 0 ? 'a' : 'b',
    input: { kind: { $case: 'features', value: toWire(tensor('float32', [2], Float32Array.of(Math.sin(i), Math.cos(i)))) } },
    metadata: {},
  },
  experience: { modelId: 'm', experienceIndex: experience },
});
const stream = Array.from({ length: 12 }, (_, i) => sample(i, i < 6 ? 0 : 1));

describe('ModelTrainer under a lease', () => {
  let dir: string;
  let store: FileModelStore;
  beforeEach(async () => {
    dir = await tempDataDir();
    store = new FileModelStore(join(dir, 'store'));
    await store.createModel(record);
  });
  afterEach(async () => removeDir(dir));

  const open = async (into: FileModelStore, replica: string) => {
    const lease = await ModelLease.acquire('m', into.stateDir('m', 'trainer'), replica, async () => undefined);
    const fenced: string[] = [];
    const trainer = await ModelTrainer.open('m', {
      store: into,
      executor: await testExecutor(),
      modelsDir: join(dir, 'models'),
      lease,
      metrics: new ServiceMetrics({ defaultMetrics: false }),
      logger: quietLogger,
      checkpointEvery: 2,
      maxLabels: 100,
      distillTimeoutMs: 1_000,
      announce: async () => undefined,
      onFenced: (id) => void fenced.push(id),
    });
    return { lease, trainer, fenced };
  };
  const params = async (into: FileModelStore, version: number) => {
    const state = await into.loadVersionState('m', version);
    return state.params.names().map((name) => [name, Array.from(state.params.get(name).data)]);
  };

  it('a takeover fences the old owner and resumes its log: the model ends as if one trainer had trained it', async () => {
    // The uninterrupted reference, in a store of its own.
    const reference = new FileModelStore(join(dir, 'reference'));
    await reference.createModel(record);
    const alone = await open(reference, 'only');
    await alone.trainer.appendSamples(stream.slice(0, 6), 'e1');
    await alone.trainer.appendClose(0, 6, 'c0');
    await alone.trainer.appendSamples(stream.slice(6), 'e2');
    await alone.trainer.appendClose(1, 6, 'c1');
    await alone.trainer.drained();
    await alone.trainer.close();

    // Replica 1 logs and trains the first experience and half of the second, then loses the model.
    const first = await open(store, 'r1');
    expect(first.lease.claim).toMatchObject({ epoch: 1, sealed: [] });
    await first.trainer.appendSamples(stream.slice(0, 6), 'e1');
    await first.trainer.appendClose(0, 6, 'c0');
    await first.trainer.appendSamples(stream.slice(6, 9), 'e2a');
    await first.trainer.drained();
    const second = await ModelLease.acquire('m', store.stateDir('m', 'trainer'), 'r2', async () => undefined);
    expect(second.claim).toMatchObject({ epoch: 2, sealed: [{ epoch: 1, records: 10 }] });
    // The old owner can no longer write: not the log, not a checkpoint.
    await expect(first.trainer.appendSamples(stream.slice(9), 'late')).rejects.toBeInstanceOf(FencedError);
    expect(await first.lease.isCurrent()).toBe(false);
    await first.trainer.close({ release: true });
    expect(await ModelLease.isReleased(store.stateDir('m', 'trainer'), 1)).toBe(false);

    // Replica 2 continues: events replica 1 logged whole are known, the rest arrives again.
    const taken = await openWith(second);
    expect(taken.trainer.hasEvent('e1')).toBe(true);
    expect(taken.trainer.hasEvent('late')).toBe(false);
    expect((await taken.trainer.appendSamples(stream.slice(6), 'e2')).duplicates).toEqual(['s6', 's7', 's8']);
    await taken.trainer.appendClose(1, 6, 'c1');
    await taken.trainer.drained();
    expect(taken.trainer.status()).toMatchObject({ loop: { samplesTrained: 12, steps: 6, position: 14 }, backlog: 0 });
    await taken.trainer.close({ release: true });
    expect(await ModelLease.isReleased(store.stateDir('m', 'trainer'), 2)).toBe(true);
    // Same versions, bit for bit, as the uninterrupted trainer's.
    expect((await store.listVersions('m')).map((v) => [v.version, v.trainedThrough, v.samplesSeen])).toEqual([
      [2, 1, 12],
      [1, 0, 6],
    ]);
    expect(await params(store, 2)).toEqual(await params(reference, 2));
    expect(await ModelTrainer.storedStatus(store.stateDir('m', 'trainer'))).toMatchObject({
      loop: { samplesTrained: 12 },
      logged: 14,
      backlog: 0,
    });
  });

  it('ignores a checkpoint written past the sealed log (a fenced owner that wrote on) and replays from an earlier one', async () => {
    const first = await open(store, 'r1');
    await first.trainer.appendSamples(stream.slice(0, 4), 'e1');
    await first.trainer.drained(); // two steps: checkpointed at position 4
    const trainerDir = store.stateDir('m', 'trainer');
    const second = await ModelLease.acquire('m', trainerDir, 'r2', async () => undefined);
    // Replica 1 raced the claim: one more record and a checkpoint past what replica 2 sealed.
    const zombie = await SampleLog.open(segmentPath(trainerPaths(trainerDir).log, 1));
    await zombie.append([{ kind: 'sample', id: 'ghost', experience: 0, label: 0, features: Float32Array.of(9, 9) }]);
    await zombie.close();
    const pointer = join(trainerPaths(trainerDir).checkpoints(1), 'checkpoint.json');
    const { sequence, loop } = JSON.parse(await readFile(pointer, 'utf8')) as { sequence: number; loop: { position: number } };
    await writeFile(pointer, JSON.stringify({ sequence, loop: { ...loop, position: 5 } }));
    await first.trainer.close();
    const taken = await openWith(second);
    expect(taken.trainer.hasSample('ghost')).toBe(false);
    expect(taken.trainer.status().loop.position).toBe(0); // the only checkpoint claims 5 records of 4: not used
    await taken.trainer.drained();
    expect(taken.trainer.status().loop).toMatchObject({ position: 4, samplesTrained: 4 });
    await taken.trainer.close();
  });

  it('tells live replicas from gone ones by their heartbeat, and claims epochs one at a time', async () => {
    const beats = join(dir, 'replicas');
    const heartbeat = await ReplicaHeartbeat.start(beats, 'r1', 50);
    expect(await ReplicaHeartbeat.alive(beats, 'r1', 150)).toBe(true);
    expect(await ReplicaHeartbeat.alive(beats, 'r9', 150)).toBe(false);
    await heartbeat.stop();
    expect(await ReplicaHeartbeat.alive(beats, 'r1', 150)).toBe(false);
    const trainerDir = store.stateDir('m', 'trainer');
    const claims = await Promise.all(['a', 'b', 'c'].map((r) => ModelLease.acquire('m', trainerDir, r, async () => undefined)));
    expect(claims.map((c) => c.claim.epoch).sort()).toEqual([1, 2, 3]);
    expect((await ModelLease.latest(trainerDir))?.epoch).toBe(3);
    expect(await Promise.all(claims.map((c) => c.isCurrent()))).toEqual(claims.map((c) => c.claim.epoch === 3));
  });

  /** A trainer on an already acquired lease. */
  async function openWith(lease: ModelLease) {
    const trainer = await ModelTrainer.open('m', {
      store,
      executor: await testExecutor(),
      modelsDir: join(dir, 'models'),
      lease,
      metrics: new ServiceMetrics({ defaultMetrics: false }),
      logger: quietLogger,
      checkpointEvery: 2,
      maxLabels: 100,
      distillTimeoutMs: 1_000,
      announce: async () => undefined,
      onFenced: () => undefined,
    });
    return { trainer };
  }
});
