import { createExecutor, Engine } from '@mneme/engine';
import { InvalidArgumentError } from '@mneme/errors';
import { ParameterStore, type Executor } from '@mneme/execution';
import { buildMlp, CLASSIFIER_IO, withCrossEntropyLoss } from '@mneme/models';
import { Rng } from '@mneme/random';
import { tensor } from '@mneme/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { er } from './er.js';
import { topK } from '../curriculum/acquisition.js';
import { mir } from './mir.js';
import { exclusionFilter, OncePerExperience, ReplayTrainer } from './replay-trainer.js';

const D = 5;

describe('ReplayTrainer', () => {
  let executor: Executor;
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
  });

  it('minimises mean loss(incoming) + mean loss(replay), whatever the two sizes', async () => {
    const model = withCrossEntropyLoss(buildMlp({ sizes: [D, 8, 4], seed: 1 }));
    const store = ParameterStore.fromModel(model);
    const rng = Rng.seeded(2);
    const rows = (n: number) => ({
      features: Float32Array.from({ length: n * D }, () => rng.normal()),
      labels: Int32Array.from({ length: n }, () => rng.int(4)),
    });
    const incoming = rows(6);
    const replay = rows(3);
    const meanLoss = async (r: { features: Float32Array; labels: Int32Array }) => {
      const n = r.labels.length;
      const out = await executor.forward(
        model,
        {
          [CLASSIFIER_IO.input]: tensor('float32', [n, D], r.features),
          [CLASSIFIER_IO.labels]: tensor('int64', [n], BigInt64Array.from(r.labels, BigInt)),
        },
        { params: store },
      );
      return Number(out[CLASSIFIER_IO.loss]!.data[0]);
    };
    const expected = (await meanLoss(incoming)) + (await meanLoss(replay));
    const trainer = new ReplayTrainer(executor, { model, store }, { kind: 'sgd' }, 0.1, D);
    expect(await trainer.step(incoming, replay)).toBeCloseTo(expected, 5);
    // Without replay it is the plain mean over the incoming batch.
    const alone = await meanLoss(incoming);
    expect(await trainer.step(incoming, { features: new Float32Array(0), labels: new Int32Array(0) })).toBeCloseTo(alone, 5);
  });

  // Regression: with epochs > 1 the loop passes over an experience again and ER/MIR offered every
  // pass to the reservoir, which stored the same samples twice (CLINC150 runs 3 epochs).
  it.each([
    ['er', er],
    ['mir', mir],
  ] as const)('%s offers each sample to its memory once per experience, however many passes', async (_name, factory) => {
    const rng = Rng.seeded(4);
    const batch = {
      features: Float32Array.from({ length: 6 * D }, () => rng.normal()),
      labels: Int32Array.from([0, 1, 2, 3, 0, 1]),
      ids: Int32Array.from([10, 11, 12, 13, 14, 15]),
      experience: 0,
    };
    const strategy = factory({
      executor,
      classifier: { inputSize: D, hidden: [], classes: 4 },
      optimizer: { kind: 'adam' },
      learningRate: 1e-3,
      batchSize: 6,
      epochs: 3,
      seed: 1,
      options: { memory: '10' },
    });
    for (let epoch = 0; epoch < 3; epoch++) await strategy.learn(batch);
    expect(strategy.describe?.().memorySize).toBe(6);
    // The next experience is a new stream segment: its samples are offered (ids are per experience).
    await strategy.learn({ ...batch, ids: Int32Array.from([20, 21, 22, 23, 24, 25]), experience: 1 });
    expect(strategy.describe?.().memorySize).toBe(10);
  });
});

describe('OncePerExperience', () => {
  const rows = (ids: number[], experience: number) => ({
    features: Float32Array.from(ids.flatMap((id) => [id, -id])),
    labels: Int32Array.from(ids, (id) => id % 3),
    ids: Int32Array.from(ids),
    experience,
  });

  it('passes each id once per experience and forgets the ids when the experience changes', () => {
    const offered = new OncePerExperience(2);
    const first = rows([1, 2, 3], 0);
    expect(offered.fresh(first)).toBe(first);
    const second = offered.fresh(rows([3, 4, 1], 0));
    expect([...second.ids]).toEqual([4]);
    expect([...second.features]).toEqual([4, -4]);
    expect([...second.labels]).toEqual([1]);
    expect(offered.fresh(rows([1, 2, 3, 4], 0)).ids.length).toBe(0);
    expect([...offered.fresh(rows([1, 5], 1)).ids]).toEqual([1, 5]);
  });

  it('restores its snapshot through JSON, treats a missing one as nothing offered, and rejects a malformed one', () => {
    const offered = new OncePerExperience(2);
    offered.fresh(rows([1, 2], 3));
    const saved = JSON.parse(JSON.stringify(offered.snapshot())) as unknown;
    const other = new OncePerExperience(2);
    other.prepareRestore(saved)();
    expect([...other.fresh(rows([2, 7], 3)).ids]).toEqual([7]);
    other.prepareRestore(undefined)();
    expect(other.snapshot()).toEqual({ experience: -1, ids: [] });
    for (const bad of [null, {}, { experience: 0.5, ids: [] }, { experience: 0, ids: ['1'] }, { experience: -2, ids: [] }]) {
      expect(() => other.prepareRestore(bad), JSON.stringify(bad)).toThrow(InvalidArgumentError);
    }
  });
});

describe('replay helpers', () => {
  it('ranks the highest interference first, ties to the lower index', () => {
    expect(Array.from(topK([0.1, 0.5, -1, 0.5, 0.2], 3))).toEqual([1, 3, 4]);
    expect(Array.from(topK([1, 2], 2))).toEqual([1, 0]);
  });

  it('excludes the incoming classes, the incoming experience, or nothing', () => {
    const batch = { labels: Int32Array.from([3, 1, 3]), experience: 2 };
    expect([...(exclusionFilter('classes', batch).excludeLabels ?? [])].sort()).toEqual([1, 3]);
    expect([...(exclusionFilter('experience', batch).excludeExperiences ?? [])]).toEqual([2]);
    expect(exclusionFilter('none', batch)).toEqual({});
  });
});
