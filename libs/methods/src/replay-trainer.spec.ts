import { createExecutor, Engine } from '@mneme/engine';
import { ParameterStore, type Executor } from '@mneme/execution';
import { buildMlp, CLASSIFIER_IO, withCrossEntropyLoss } from '@mneme/models';
import { Rng } from '@mneme/random';
import { tensor } from '@mneme/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { topKIndices } from './mir.js';
import { exclusionFilter, ReplayTrainer } from './replay-trainer.js';

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
    const rows = (n: number) => ({ features: Float32Array.from({ length: n * D }, () => rng.normal()), labels: Int32Array.from({ length: n }, () => rng.int(4)) });
    const incoming = rows(6);
    const replay = rows(3);
    const meanLoss = async (r: { features: Float32Array; labels: Int32Array }) => {
      const n = r.labels.length;
      const out = await executor.forward(
        model,
        { [CLASSIFIER_IO.input]: tensor('float32', [n, D], r.features), [CLASSIFIER_IO.labels]: tensor('int64', [n], BigInt64Array.from(r.labels, BigInt)) },
        { params: store },
      );
      return Number(out[CLASSIFIER_IO.loss]!.data[0]);
    };
    const expected = (await meanLoss(incoming)) + (await meanLoss(replay));
    const trainer = new ReplayTrainer(executor, model, store, { kind: 'sgd' }, 0.1, D);
    expect(await trainer.step(incoming, replay)).toBeCloseTo(expected, 5);
    // Without replay it is the plain mean over the incoming batch.
    const alone = await meanLoss(incoming);
    expect(await trainer.step(incoming, { features: new Float32Array(0), labels: new Int32Array(0) })).toBeCloseTo(alone, 5);
  });
});

describe('replay helpers', () => {
  it('ranks the highest interference first, ties to the lower index', () => {
    expect(topKIndices([0.1, 0.5, -1, 0.5, 0.2], 3)).toEqual([1, 3, 4]);
    expect(topKIndices([1, 2], 5)).toEqual([1, 0]);
  });

  it('excludes the incoming classes, the incoming experience, or nothing', () => {
    const batch = { labels: Int32Array.from([3, 1, 3]), experience: 2 };
    expect([...(exclusionFilter('classes', batch).excludeLabels ?? [])].sort()).toEqual([1, 3]);
    expect([...(exclusionFilter('experience', batch).excludeExperiences ?? [])]).toEqual([2]);
    expect(exclusionFilter('none', batch)).toEqual({});
  });
});
