import { createExecutor, Engine } from '@mneme/engine';
import type { Executor } from '@mneme/execution';
import { Rng } from '@mneme/random';
import { gatherRows } from '@mneme/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { adapter } from './adapter.js';
import { blockSoftmaxMax } from './block-head.js';
import { expandingHead } from './expanding-head.js';
import type { LabelledBatch, Strategy, StrategyContext } from '../strategy.js';
import { taskHeads } from './task-heads.js';

const D = 8;
const CLASSES = 6;

/** Two experiences of three well-separated Gaussian classes each (class c around 3·e_c). */
function blobs(seed: number, perClass: number): { train: LabelledBatch[][]; test: { features: Float32Array; labels: Int32Array } } {
  const rng = Rng.seeded(seed);
  const draw = (c: number) => Array.from({ length: D }, (_, i) => (i === c ? 3 : 0) + rng.normal(0, 0.3));
  let id = 0;
  const train = [0, 1].map((e) => {
    const labels = rng.shuffle([0, 1, 2].flatMap((j) => new Array<number>(perClass).fill(3 * e + j)));
    const batches: LabelledBatch[] = [];
    for (let s = 0; s < labels.length; s += 10) {
      const rows = labels.slice(s, s + 10);
      batches.push({
        features: Float32Array.from(rows.flatMap(draw)),
        labels: Int32Array.from(rows),
        ids: Int32Array.from(rows, () => id++),
        experience: e,
      });
    }
    return batches;
  });
  const testLabels = Array.from({ length: CLASSES * 10 }, (_, i) => i % CLASSES);
  return { train, test: { features: Float32Array.from(testLabels.flatMap(draw)), labels: Int32Array.from(testLabels) } };
}

async function run(s: Strategy, train: LabelledBatch[][], epochs = 3): Promise<void> {
  for (const [e, batches] of train.entries()) {
    const info = { index: e, classes: [3 * e, 3 * e + 1, 3 * e + 2] };
    await s.beginExperience(info);
    for (let epoch = 0; epoch < epochs; epoch++) for (const b of batches) await s.learn(b);
    await s.endExperience(info);
  }
}

/** The test samples of `classes`. */
function onClasses(
  test: { features: Float32Array; labels: Int32Array },
  classes: number[],
): { features: Float32Array; labels: Int32Array } {
  const rows = [...test.labels.keys()].filter((i) => classes.includes(test.labels[i]!));
  return { features: gatherRows(test.features, D, rows), labels: Int32Array.from(rows, (r) => test.labels[r]!) };
}

const accuracy = (p: Int32Array, labels: Int32Array) => p.reduce((n, x, i) => n + (x === labels[i] ? 1 : 0), 0) / labels.length;

describe('frozen-encoder heads', () => {
  let executor: Executor;
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
  });
  const ctx = (options: Record<string, string> = {}): StrategyContext => ({
    executor,
    classifier: { inputSize: D, hidden: [], classes: CLASSES },
    optimizer: { kind: 'adam' },
    learningRate: 0.05,
    batchSize: 10,
    epochs: 3,
    seed: 3,
    options,
  });

  it('expanding-head keeps old rows bit-exactly frozen and only predicts seen classes', async () => {
    const { train, test } = blobs(1, 20);
    const s = expandingHead(ctx());
    await run(s, train.slice(0, 1));
    const afterFirst = s.saveState().params.get('head.b0.weight').data.slice();
    const predicted = await s.predict(test.features);
    expect([...predicted].every((c) => c < 3)).toBe(true);
    await run(s, [[], train[1]!]);
    expect(s.saveState().params.get('head.b0.weight').data).toEqual(afterFirst);
    const newest = onClasses(test, [3, 4, 5]);
    expect(accuracy(await s.predict(newest.features), newest.labels)).toBeGreaterThan(0.9);
  });

  it('task-heads uses the task id when given and max-softmax across heads otherwise', async () => {
    const { train, test } = blobs(2, 20);
    const s = taskHeads(ctx());
    await run(s, train);
    // Task-incremental: given the task id, each head separates its own classes.
    for (const task of [0, 1]) {
      const part = onClasses(test, [3 * task, 3 * task + 1, 3 * task + 2]);
      expect(accuracy(await s.predict(part.features, { taskId: task }), part.labels)).toBeGreaterThan(0.9);
    }
    // With task 1's id every prediction is one of task 1's classes.
    expect([...(await s.predict(test.features, { taskId: 1 }))].every((c) => c >= 3)).toBe(true);
  });

  it('adapter with SetFit tunes the adapter in the first experience only and keeps learning new classes', async () => {
    const { train, test } = blobs(4, 20);
    const s = adapter(ctx({ setfit: 'true', bottleneck: '4', pairs: '1' }));
    await run(s, train.slice(0, 1));
    const up = s.saveState().params.get('adapter.up.weight').data.slice();
    // The contrastive phase moved the zero-initialised up-projection.
    expect(up.some((v) => v !== 0)).toBe(true);
    await run(s, [[], train[1]!]);
    expect(s.saveState().params.get('adapter.up.weight').data).toEqual(up);
    const newest = onClasses(test, [3, 4, 5]);
    expect(accuracy(await s.predict(newest.features), newest.labels)).toBeGreaterThan(0.9);
  });

  it('expanding-head rows=mean imprints class means (no forgetting) and resumes exactly from a checkpoint', async () => {
    const { train, test } = blobs(5, 20);
    const s = expandingHead(ctx({ rows: 'mean' }));
    await run(s, train.slice(0, 1));
    const saved = s.saveState();
    await run(s, [[], train[1]!]);
    expect(accuracy(await s.predict(test.features), test.labels)).toBeGreaterThan(0.95);
    const resumed = expandingHead(ctx({ rows: 'mean' }));
    resumed.restoreState({ params: saved.params, data: JSON.parse(JSON.stringify(saved.data)) as Record<string, unknown> });
    await run(resumed, [[], train[1]!]);
    expect(await resumed.predict(test.features)).toEqual(await s.predict(test.features));
    expect(() => expandingHead(ctx({ rows: 'mean', head: 'linear' }))).toThrow(/rows=mean/);
  });

  it('adapter rows=mean with SetFit imprints adapted features', async () => {
    const { train, test } = blobs(6, 20);
    const s = adapter(ctx({ setfit: 'true', rows: 'mean', bottleneck: '4', pairs: '1' }));
    await run(s, train);
    expect(accuracy(await s.predict(test.features), test.labels)).toBeGreaterThan(0.9);
    expect(() => adapter(ctx({ rows: 'mean' }))).toThrow(/setfit=true or adapt=none/);
  });

  it('blockSoftmaxMax takes the softmax over the block only', () => {
    const logits = Float32Array.from([5, 0, 0, 0, 1, 0]);
    const best = blockSoftmaxMax(logits, 3, 1, 0, 3);
    expect(best.column).toBe(1);
    expect(best.prob).toBeCloseTo(Math.E / (Math.E + 2), 5);
  });
});
