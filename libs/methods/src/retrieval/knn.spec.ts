import { createExecutor, Engine } from '@mneme/engine';
import { InvalidArgumentError } from '@mneme/errors';
import type { Executor } from '@mneme/execution';
import { Rng } from '@mneme/random';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExactIndex } from './exact-index.js';
import { knn } from './knn.js';
import { knnHead } from './knn-head.js';
import { KnnMemory } from './knn-memory.js';
import type { LabelledBatch, StrategyContext } from '../strategy.js';

const D = 6;
const CLASSES = 4;

/** Four well-separated Gaussian blobs, `perClass` samples each, ids from `firstId`. */
function blobs(perClass: number, seed: number, firstId = 0): LabelledBatch {
  const rng = Rng.seeded(seed);
  const labels = Array.from({ length: CLASSES * perClass }, (_, i) => i % CLASSES);
  const features = Float32Array.from(labels.flatMap((c) => Array.from({ length: D }, (_, j) => (j === c ? 3 : 0) + rng.normal(0, 0.3))));
  return { features, labels: Int32Array.from(labels), ids: Int32Array.from(labels, (_, i) => firstId + i), experience: 0 };
}

describe('ExactIndex', () => {
  it('returns nearest entries first and ignores deleted ones', () => {
    const index = new ExactIndex(2);
    index.add([1, 2, 3], Float32Array.of(1, 0, 0, 1, 1, 1), [0, 1, 2]);
    expect([...index.search(Float32Array.of(1, 0.1), 3).ids]).toEqual([1, 3, 2]);
    expect(index.delete([1, 9])).toBe(1);
    expect([...index.search(Float32Array.of(1, 0.1), 3).ids]).toEqual([3, 2]);
    expect(() => index.add([2], Float32Array.of(1, 0), [0])).toThrow(InvalidArgumentError);
  });
});

describe('KnnMemory', () => {
  it('votes by softmax-weighted neighbours, rows summing to 1', () => {
    const memory = new KnnMemory({ inputSize: D, seed: 1 });
    const train = blobs(10, 1);
    memory.add(train);
    const votes = memory.vote(blobs(2, 2).features, { k: 5, temperature: 0.1, classes: CLASSES });
    for (let r = 0; r < 8; r++) {
      const row = votes.subarray(r * CLASSES, (r + 1) * CLASSES);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(row.indexOf(Math.max(...row))).toBe(r % CLASSES);
    }
  });

  it('stays within capacity by reservoir sampling, skips repeated ids, and forgets for good', () => {
    const memory = new KnnMemory({ inputSize: D, capacity: 12, seed: 3 });
    const batch = blobs(10, 3);
    memory.add(batch);
    memory.add(batch);
    expect(memory.size).toBe(12);
    const held = memory.snapshot().ids;
    expect(new Set(held).size).toBe(12);
    expect(memory.forget([held[0]!, held[1]!, 999])).toBe(2);
    expect(memory.size).toBe(10);
    memory.add(batch);
    expect(memory.snapshot().ids).not.toContain(held[0]);
    expect(memory.snapshot().forgotten).toEqual([held[0], held[1], 999]);
  });

  it('restores a snapshot bit-exactly into a fresh memory', () => {
    const a = new KnnMemory({ inputSize: D, capacity: 20, seed: 4 });
    a.add(blobs(8, 4));
    const b = new KnnMemory({ inputSize: D, capacity: 20, seed: 4 });
    b.restore(JSON.parse(JSON.stringify(a.snapshot())) as ReturnType<KnnMemory['snapshot']>);
    expect(b.snapshot()).toEqual(a.snapshot());
    const next = blobs(5, 5, 1000);
    a.add(next);
    b.add(next);
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(() => b.restore({ ...a.snapshot(), capacity: 3 })).toThrow(InvalidArgumentError);
  });
});

describe('knn and knn-head strategies', () => {
  let executor: Executor;
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
  });
  const context = (options: Record<string, string>, extra: Partial<StrategyContext> = {}): StrategyContext => ({
    executor,
    classifier: { inputSize: D, hidden: [], classes: CLASSES },
    optimizer: { kind: 'sgd' },
    learningRate: 0.1,
    batchSize: 8,
    epochs: 1,
    seed: 11,
    options,
    ...extra,
  });
  const accuracy = (predicted: Int32Array, labels: Int32Array) => predicted.filter((p, i) => p === labels[i]).length / labels.length;

  it('knn classifies separable blobs and forget removes samples from its memory', async () => {
    const s = knn(context({ k: '3' }));
    const train = blobs(10, 6);
    await s.learn(train);
    const test = blobs(5, 7, 500);
    expect(accuracy(await s.predict(test.features), test.labels)).toBe(1);
    expect(s.describe?.().memorySize).toBe(40);
    expect(s.forget?.([0, 1, 2])).toBe(3);
    expect(s.describe?.().memorySize).toBe(37);
  });

  it('uses an injected index factory and agrees with the exact fallback', async () => {
    let made = 0;
    const factory = (d: number) => {
      made++;
      return new ExactIndex(d);
    };
    const injected = knn(context({}, { indexFactory: factory }));
    const fallback = knn(context({}));
    const train = blobs(10, 8);
    await injected.learn(train);
    await fallback.learn(train);
    const test = blobs(5, 9, 500);
    expect(made).toBe(1);
    expect(await injected.predict(test.features)).toEqual(await fallback.predict(test.features));
  });

  it('knn-head interpolates (λ = 1 is pure kNN) and MbPA++ local adaptation never changes the stored head', async () => {
    const train = blobs(10, 10);
    const test = blobs(5, 11, 500);
    const pure = knn(context({ k: '10' }));
    const mixedAtOne = knnHead(context({ k: '10', lambda: '1' }));
    await pure.learn(train);
    await mixedAtOne.learn(train);
    expect(await mixedAtOne.predict(test.features)).toEqual(await pure.predict(test.features));

    const adapted = knnHead(context({ 'local-steps': '3', lambda: '0.5' }));
    await adapted.learn(train);
    const before = adapted.saveState();
    const predicted = await adapted.predict(test.features);
    expect(accuracy(predicted, test.labels)).toBeGreaterThanOrEqual(0.9);
    const after = adapted.saveState();
    for (const name of before.params.names()) expect(after.params.get(name).data).toEqual(before.params.get(name).data);
    expect(after.params.step).toBe(before.params.step);
  });

  it('rejects bad options and all-zero rows without changing the memory', async () => {
    expect(() => knn(context({ k: '0' }))).toThrow(InvalidArgumentError);
    expect(() => knnHead(context({ lambda: '1.5', nope: '1' }))).toThrow(/lambda[\s\S]*nope/);
    const s = knnHead(context({}));
    const batch = blobs(2, 12);
    const zero = batch.features.slice();
    zero.fill(0, 0, D);
    await expect(s.learn({ ...batch, features: zero })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(s.describe?.().memorySize).toBe(0);
  });
});
