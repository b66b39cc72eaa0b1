import { createExecutor, Engine } from '@mneme/engine';
import { InvalidArgumentError } from '@mneme/errors';
import type { Executor } from '@mneme/execution';
import { Rng } from '@mneme/random';
import { beforeAll, describe, expect, it } from 'vitest';
import { curriculum, type CurriculumStep } from './curriculum.js';
import { recordingExecutor } from './recording-executor.test-util.js';
import type { LabelledBatch, StrategyContext } from '../strategy.js';

const CLASSES = 3;

function context(executor: Executor, options: Record<string, string>, epochs = 1): StrategyContext {
  return {
    executor,
    classifier: { inputSize: CLASSES, hidden: [], classes: CLASSES },
    optimizer: { kind: 'sgd' },
    learningRate: 0.1,
    batchSize: 10,
    epochs,
    seed: 3,
    options,
  };
}

/**
 * 100 samples of `label` whose logit for it is id/10 (higher id = more confident = easier), in
 * batches of 10, ids from `firstId`.
 */
function experience(label: number, firstId: number, index: number): LabelledBatch[] {
  return Array.from({ length: 10 }, (_, b) => {
    const ids = Int32Array.from({ length: 10 }, (_, i) => firstId + 10 * b + i);
    const features = new Float32Array(30);
    ids.forEach((id, i) => (features[i * CLASSES + label] = (id - firstId) / 10));
    return { features, labels: Int32Array.from(ids, () => label), ids, experience: index };
  });
}

/** The logit of `label` of every row of a recorded step. */
const scoresOf = (features: Float32Array, label: number) =>
  Array.from({ length: features.length / CLASSES }, (_, i) => features[i * CLASSES + label]!);

describe('curriculum (recorded steps)', () => {
  it('samples the first steps from the easiest prefix only and releases the rest by the pacing function', async () => {
    const { executor, steps } = recordingExecutor();
    const seen: CurriculumStep[] = [];
    const s = curriculum(context(executor, { pacing: 'linear', start: '0.2', full: '0.8' }), { onStep: (step) => void seen.push(step) });
    await s.beginExperience({ index: 0, classes: [0] });
    // The loop replays an experience once per epoch: duplicates by id are buffered once.
    for (const epoch of [0, 1]) for (const b of experience(0, 0, 0)) if (epoch === 0 || b.ids[0]! < 50) await s.learn(b);
    await s.endExperience({ index: 0, classes: [0] });
    expect(steps).toHaveLength(10);
    expect(seen.map((x) => x.released)).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => expect.closeTo(Math.min(1, 0.2 + (0.8 * k) / 10 / 0.8), 9)),
    );
    // Step 0 may draw from the 20 easiest (scores 8.0 … 9.9) only; step 5 from the 70 easiest.
    expect(Math.min(...scoresOf(steps[0]!.features, 0))).toBeGreaterThanOrEqual(8);
    expect(Math.min(...scoresOf(steps[5]!.features, 0))).toBeGreaterThanOrEqual(3);
    expect(s.progress()).toEqual(seen);
  });

  it('hard-first inverts the order; random with pacing none draws from everything', async () => {
    const hard = recordingExecutor();
    const h = curriculum(context(hard.executor, { order: 'hard-first' }));
    for (const b of experience(0, 0, 0)) await h.learn(b);
    await h.endExperience({ index: 0, classes: [0] });
    expect(Math.max(...scoresOf(hard.steps[0]!.features, 0))).toBeLessThan(2);

    const flat = recordingExecutor();
    const r = curriculum(context(flat.executor, { order: 'random', pacing: 'none' }, 5));
    for (const b of experience(0, 0, 0)) await r.learn(b);
    await r.endExperience({ index: 0, classes: [0] });
    expect(flat.steps).toHaveLength(50);
    expect(Math.min(...flat.steps.slice(0, 5).flatMap((x) => scoresOf(x.features, 0)))).toBeLessThan(8);
  });

  it('paces replay too: early steps replay the easiest memory samples', async () => {
    const { executor, steps } = recordingExecutor();
    const s = curriculum(context(executor, { memory: '50', replayBatch: '5', start: '0.2' }));
    for (const b of experience(0, 0, 0)) await s.learn(b);
    await s.endExperience({ index: 0, classes: [0] });
    expect(s.describe?.()).toEqual({ memorySize: 50, memoryCapacity: 50 });
    const held = (s.saveState().data['memory'] as { features: number[] }).features
      .filter((_, i) => i % CLASSES === 0)
      .sort((a, b) => b - a);
    steps.length = 0;
    for (const b of experience(1, 100, 1)) await s.learn(b);
    await s.endExperience({ index: 1, classes: [1] });
    // Rows 10..14 of each step are replayed label-0 samples; step 0 takes them from the 10 easiest held.
    expect(steps[0]!.labels).toEqual([...Array<number>(10).fill(1), ...Array<number>(5).fill(0)]);
    const replayed = scoresOf(steps[0]!.features.subarray(10 * CLASSES), 0);
    expect(Math.min(...replayed)).toBeGreaterThanOrEqual(held[9]!);
    expect(s.describe?.()).toEqual({ memorySize: 50, memoryCapacity: 50 });
  });

  it('rejects bad options all at once', () => {
    const { executor } = recordingExecutor();
    expect(() => curriculum(context(executor, { pacing: 'cubic', scoring: 'vibes', start: '0', memory: '-1', foo: '1' }))).toThrow(
      InvalidArgumentError,
    );
    expect(() => curriculum(context(executor, { pacing: 'cubic', scoring: 'vibes' }))).toThrow(
      /pacing must be one of linear, root, step, none.*scoring must be one of/,
    );
  });
});

describe('curriculum (ONNX Runtime)', () => {
  let executor: Executor;
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
  });

  it('learns two separable experiences with paced replay, deterministically, within its memory', async () => {
    const rng = Rng.seeded(1);
    const batches = (label: number, index: number): LabelledBatch[] =>
      Array.from({ length: 4 }, (_, b) => {
        const ids = Int32Array.from({ length: 10 }, (_, i) => 100 * index + 10 * b + i);
        const features = Float32Array.from({ length: 30 }, (_, k) => (k % CLASSES === label ? 3 : 0) + rng.normal(0, 0.5));
        return { features, labels: Int32Array.from(ids, () => label), ids, experience: index };
      });
    const data = [batches(0, 0), batches(1, 1)];
    const run = async () => {
      const s = curriculum({
        ...context(executor, { memory: '12', pacing: 'root', scoring: 'loss' }, 3),
        classifier: { inputSize: CLASSES, hidden: [8], classes: CLASSES },
      });
      for (const [e, exp] of data.entries()) {
        await s.beginExperience({ index: e, classes: [e] });
        for (const b of exp) await s.learn(b);
        await s.endExperience({ index: e, classes: [e] });
        expect(s.describe?.().memorySize).toBeLessThanOrEqual(12);
      }
      return s;
    };
    const a = await run();
    const b = await run();
    const probe = Float32Array.from([3, 0, 0, 0, 3, 0]);
    expect(Array.from(await a.predict(probe))).toEqual([0, 1]);
    expect(await a.predict(probe)).toEqual(await b.predict(probe));
    expect(a.progress().map((x) => x.loss)).toEqual(b.progress().map((x) => x.loss));
    expect(
      a
        .progress()
        .filter((x) => x.experience === 1)
        .every((x) => x.replayed === 10),
    ).toBe(true);
  });
});
