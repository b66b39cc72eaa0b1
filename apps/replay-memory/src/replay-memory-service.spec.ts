import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataType, MemoryPolicy, ReplayMemoryServiceClient, type ModelRef } from '@mneme/contracts';
import { ParameterStore } from '@mneme/execution';
import { NotFoundError } from '@mneme/errors';
import { buildMlp, withCrossEntropyLoss } from '@mneme/models';
import { unary } from '@mneme/rpc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceDeps } from '@mneme/service-runtime';
import type { ClassifierSource } from '@mneme/service-runtime';
import { createReplayMemoryService } from './replay-memory-service.js';
import { failure, tempDataDir, removeDir, serve, type Served, testDeps } from '@mneme/testing';
import { f32, featureSample, memorySample } from '@mneme/testing';

const D = 4;
const LABELS = ['a', 'b', 'c'];
const model = withCrossEntropyLoss(buildMlp({ sizes: [D, 8, LABELS.length], seed: 3 }));
const classifiers: ClassifierSource = {
  resolve: async (ref: ModelRef) => {
    if (ref.modelId !== 'm') throw new NotFoundError(`model '${ref.modelId}' does not exist`);
    return { model, params: ParameterStore.fromModel(model), labels: LABELS };
  },
};

const row = (i: number) => [Math.sin(i), Math.cos(i), (i % 5) / 5, 1 - (i % 3) / 3];
const samples = (from: number, to: number, label: (i: number) => string, experience = 0) =>
  Array.from({ length: to - from }, (_, k) => memorySample(`s${from + k}`, label(from + k), row(from + k), experience));

describe('replay-memory service over gRPC', () => {
  let dir: string;
  let deps: ServiceDeps;
  let served: Served<ReplayMemoryServiceClient> | undefined;

  const start = async () => {
    // A small compaction threshold, so the durability test folds journals into snapshots many times.
    served = await serve(await createReplayMemoryService(deps, { classifiers, compactBytes: 4096 }), deps, ReplayMemoryServiceClient);
    const c = served.client;
    return {
      create: (capacity: number, policy = MemoryPolicy.MEMORY_POLICY_RESERVOIR, replace = false) =>
        unary(c.createMemory.bind(c), { modelId: 'm', capacity, policy, seed: 7, replace, writerEpoch: 0 }),
      add: (batch: ReturnType<typeof samples>, modelId = 'm', removeIds: string[] = []) =>
        unary(c.addSamples.bind(c), { modelId, samples: batch, removeIds, writerEpoch: 0 }),
      describe: async (modelId = 'm') => (await unary(c.describeMemory.bind(c), { modelId })).stats!,
      sample: (count: number, seed: number, excludeLabels: string[] = []) =>
        unary(c.sampleMemory.bind(c), { modelId: 'm', count, seed, excludeLabels }),
      remove: (sampleIds: string[]) => unary(c.deleteSamples.bind(c), { modelId: 'm', sampleIds }),
      retrieve: (incoming: ReturnType<typeof featureSample>[], extra: { candidates?: number; topK?: number; learningRate?: number } = {}) =>
        unary(c.retrieveInterfered.bind(c), {
          model: { modelId: 'm', version: 0 },
          parameters: {},
          incoming,
          learningRate: extra.learningRate ?? 0.5,
          candidates: extra.candidates ?? 8,
          topK: extra.topK ?? 3,
          seed: 1,
        }),
    };
  };
  const restart = async () => {
    await served?.stop();
    return start();
  };

  beforeEach(async () => {
    dir = await tempDataDir();
    deps = await testDeps(dir);
  });
  afterEach(async () => {
    await served?.stop();
    served = undefined;
    await removeDir(dir);
  });

  it('never holds more than the capacity and reports what was stored and evicted', async () => {
    const api = await start();
    await api.create(5);
    const first = await api.add(samples(0, 5, () => 'a'));
    expect(first.storedIds).toEqual(['s0', 's1', 's2', 's3', 's4']);
    const second = await api.add(samples(5, 40, (i) => LABELS[i % 2]!));
    expect(second.stats).toMatchObject({ size: 5, capacity: 5, seen: 40 });
    const held = (await api.sample(100, 1)).samples.map((s) => s.sample!.sampleId).sort();
    expect(held).toHaveLength(5);
    // Ids evicted in the second call were held before it; stored ids are held unless evicted again.
    expect(second.evictedIds.every((id) => first.storedIds.includes(id))).toBe(true);
    expect(second.storedIds.every((id) => held.includes(id))).toBe(true);
  });

  it('keeps an equal share per label under the class-balanced policy', async () => {
    const api = await start();
    await api.create(6, MemoryPolicy.MEMORY_POLICY_CLASS_BALANCED);
    await api.add(samples(0, 30, (i) => LABELS[i % 3]!));
    expect((await api.describe()).labelCounts).toEqual({ a: 2, b: 2, c: 2 });
  });

  it('survives a restart: contents, counts and seeded draws are unchanged', async () => {
    let api = await start();
    await api.create(10);
    await api.add(samples(0, 25, (i) => LABELS[i % 3]!, 1));
    await api.remove(['s0', 's1']);
    const stats = await api.describe();
    const draw = (await api.sample(4, 99, ['a'])).samples;
    api = await restart();
    expect(await api.describe()).toEqual(stats);
    const again = (await api.sample(4, 99, ['a'])).samples;
    expect(again).toEqual(draw);
    expect(again.every((s) => s.sample!.label !== 'a' && s.experienceIndex === 1 && s.sample!.metadata['source'] === 'test')).toBe(true);
  });

  it('keeps a replica exactly as sent: no eviction, an overflowing add refused whole; replace empties it', async () => {
    const api = await start();
    await api.create(4, MemoryPolicy.MEMORY_POLICY_REPLICA);
    expect((await api.add(samples(0, 3, () => 'a'))).evictedIds).toEqual([]);
    const over = await failure(api.add(samples(3, 5, () => 'b')));
    expect(over.kind).toBe('failed-precondition');
    expect(over.message).toContain('holds 3 of 4 samples and cannot take 2 more');
    expect(await api.describe()).toMatchObject({ size: 3, policy: MemoryPolicy.MEMORY_POLICY_REPLICA, labelCounts: { a: 3 } });
    await api.remove(['s0']);
    await api.add(samples(3, 5, () => 'b'));
    expect((await api.describe()).labelCounts).toEqual({ a: 2, b: 2 });
    // A full replica's evictions travel with the samples that replaced them: one mutation.
    const swap = await api.add(
      samples(5, 7, () => 'c'),
      'm',
      ['s1', 's3', 'never-held'],
    );
    expect(swap).toMatchObject({ storedIds: ['s5', 's6'], evictedIds: ['s1', 's3'] });
    expect((await api.describe()).labelCounts).toEqual({ a: 1, b: 1, c: 2 });
    // Reconfiguring a non-empty memory needs `replace`, which empties it.
    expect((await failure(api.create(8, MemoryPolicy.MEMORY_POLICY_REPLICA))).message).toContain('or set replace');
    expect((await api.create(8, MemoryPolicy.MEMORY_POLICY_REPLICA, true)).stats).toMatchObject({ size: 0, capacity: 8 });
  });

  it('journals every mutation: a restart after many small adds and deletes (past a compaction) and a torn journal line loses nothing answered', async () => {
    let api = await start();
    await api.create(400, MemoryPolicy.MEMORY_POLICY_REPLICA);
    // ~800 journalled mutations of wide rows: the journal outgrows the snapshot and is folded into it.
    const wide = (i: number) => Array.from({ length: 4 }, (_, j) => Math.sin(i * 7 + j));
    for (let i = 0; i < 400; i++) {
      await api.add([memorySample(`w${i}`, LABELS[i % 3]!, wide(i), Math.floor(i / 100))]);
      if (i % 2 === 1) await api.remove([`w${i - 1}`]);
    }
    const stats = await api.describe();
    expect(stats.size).toBe(200);
    const draw = (await api.sample(50, 5)).samples;
    await served!.stop();
    served = undefined;
    // A crash mid-append leaves a torn last line: its mutation was never answered, so it is dropped.
    await appendFile(join(dir, 'replay-memory', 'm', 'memory.log'), '{"seq":99999,"op":"add","sam');
    api = await start();
    expect(await api.describe()).toEqual(stats);
    expect((await api.sample(50, 5)).samples).toEqual(draw);
    await api.add([memorySample('after', 'a', wide(1000))]);
    api = await restart();
    expect((await api.describe()).size).toBe(201);
  });

  it('deletes by sample id and reports the absent ids', async () => {
    const api = await start();
    await api.create(50);
    await api.add(samples(0, 5, () => 'a'));
    expect(await api.remove(['s1', 'nope', 's3'])).toEqual({ deletedIds: ['s1', 's3'], missingIds: ['nope'] });
    expect((await api.describe()).size).toBe(3);
  });

  it('rejects bad samples with INVALID_ARGUMENT and leaves the memory unchanged', async () => {
    const api = await start();
    await api.create(50);
    await api.add(samples(0, 3, () => 'a'));
    const before = await api.describe();
    const nan = memorySample('x1', 'a', [1, Number.NaN, 0, 0]);
    const wide = memorySample('x2', 'a', [1, 2, 3, 4, 5]);
    const unlabelled = memorySample('x3', '', row(3));
    const err = await failure(api.add([...samples(10, 12, () => 'b'), nan, wide, unlabelled]));
    expect(err.kind).toBe('invalid-argument');
    expect(err.message).toContain('non-finite');
    expect(err.message).toContain('samples[3] has 5 feature values but the memory holds rows of 4');
    expect(err.message).toContain('samples[4].sample.label is empty');
    expect(await api.describe()).toEqual(before);
    const text = {
      sample: { sampleId: 't', label: 'a', input: { kind: { $case: 'text' as const, value: 'hi' } }, metadata: {} },
      experienceIndex: 0,
      features: undefined,
    };
    expect((await failure(api.add([text]))).message).toContain('text inputs need cached features');
    // float32 is the contract: float64 is refused, not narrowed; a vector is [width], not [2, 2].
    const f64 = memorySample('x4', 'a', row(4));
    f64.features = { dtype: DataType.DATA_TYPE_FLOAT64, shape: [4], data: new Uint8Array(new Float64Array(4).buffer) };
    const square = memorySample('x5', 'a', row(4));
    square.features = { ...f32(row(4), [2, 2]) };
    const badLabel = memorySample('x6', 'l'.repeat(300), row(4));
    const refused = await failure(api.add([f64, square, badLabel]));
    expect(refused.message).toContain('samples[0].features has dtype DATA_TYPE_FLOAT64; send DATA_TYPE_FLOAT32');
    expect(refused.message).toContain('samples[1].features has shape [2, 2]; send a vector, [width]');
    expect(refused.message).toContain('samples[2].sample: label');
    expect((await failure(api.add([]))).message).toContain('samples and remove_ids are both empty');
    const far = memorySample('x7', 'a', row(4));
    far.experienceIndex = 4_294_967_295;
    expect((await failure(api.add([far]))).message).toContain('over the limit of 100000 (MNEME_MAX_EXPERIENCE_INDEX)');
    expect(await api.describe()).toEqual(before);
  });

  it('bounds capacities, draws and id lists by the request limits, naming each', async () => {
    const api = await start();
    expect((await failure(api.create(1_000_001))).message).toContain(
      'capacity is 1000001, over the limit of 1000000 (MNEME_MAX_MEMORY_CAPACITY)',
    );
    await api.create(10);
    const c = served!.client;
    const draw = await failure(unary(c.sampleMemory.bind(c), { modelId: 'm', count: 10_001, excludeLabels: [], seed: 0 }));
    expect(draw.message).toContain('count is 10001, over the limit of 10000 (MNEME_MAX_SAMPLES_PER_REQUEST)');
    const ids = await failure(
      unary(c.deleteSamples.bind(c), { modelId: 'm', sampleIds: Array.from({ length: 10_001 }, (_, i) => `s${i}`) }),
    );
    expect(ids.message).toContain('(MNEME_MAX_IDS_PER_REQUEST)');
  });

  it('answers NOT_FOUND for a model without a memory and INVALID_ARGUMENT for bad create options', async () => {
    const api = await start();
    const missing = await failure(
      api.add(
        samples(0, 1, () => 'a'),
        'other',
      ),
    );
    expect(missing.kind).toBe('not-found');
    expect(missing.message).toContain("model 'other' has no replay memory");
    const bad = await failure(api.create(0));
    expect(bad.kind).toBe('invalid-argument');
    expect(bad.message).toContain('capacity must be positive, got 0');
  });

  it('retrieves the top-k most interfered candidates, never of the incoming labels, after a virtual step on the engine', async () => {
    const api = await start();
    await api.create(30);
    await api.add(samples(0, 30, (i) => LABELS[i % 3]!));
    const incoming = [featureSample('n1', 'c', row(100)), featureSample('n2', 'c', row(101))];
    const res = await api.retrieve(incoming);
    expect(res.retrieved).toHaveLength(3);
    expect(res.retrieved.every((s) => s.sample!.label !== 'c')).toBe(true);
    expect(res.interference.every(Number.isFinite)).toBe(true);
    expect([...res.interference].sort((x, y) => y - x)).toEqual(res.interference);
    // A zero learning rate changes nothing, so every interference is zero.
    const still = await api.retrieve(incoming, { learningRate: 1e-30 });
    expect(still.interference.every((v) => Math.abs(v) < 1e-5)).toBe(true);
    expect((await api.describe()).size).toBe(30);
  });

  it('rejects a bad retrieval request with every reason', async () => {
    const api = await start();
    await api.create(30);
    await api.add(samples(0, 10, () => 'a'));
    const err = await failure(
      api.retrieve([featureSample('n1', 'zebra', row(1)), featureSample('n2', 'a', [1, 2])], { topK: 9, candidates: 4, learningRate: -1 }),
    );
    expect(err.kind).toBe('invalid-argument');
    expect(err.message).toContain('learning_rate must be a positive finite number, got -1');
    expect(err.message).toContain('top_k (9) must not exceed candidates (4)');
    expect(err.message).toContain("incoming[0].label 'zebra' is not one of the model's 3 labels");
    expect(err.message).toContain('incoming[1] has 2 feature values but the model takes 4');
    const c = served!.client;
    const params = await failure(
      unary(c.retrieveInterfered.bind(c), {
        model: { modelId: 'm', version: 0 },
        parameters: { nope: f32([1]) },
        incoming: [featureSample('n', 'b', row(1))],
        learningRate: 0.1,
        candidates: 4,
        topK: 2,
        seed: 0,
      }),
    );
    expect(params.message).toContain("parameters['nope'] is not a parameter of the model");
  });
});
