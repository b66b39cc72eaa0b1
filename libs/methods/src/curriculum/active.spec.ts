import { createExecutor, Engine } from '@mneme/engine';
import { InvalidArgumentError } from '@mneme/errors';
import type { Executor } from '@mneme/execution';
import { Rng } from '@mneme/random';
import { beforeAll, describe, expect, it } from 'vitest';
import { active, labelBudget } from './active.js';
import { recordingExecutor } from './recording-executor.test-util.js';
import type { LabelledBatch, StrategyContext } from '../strategy.js';

const CLASSES = 3;

function context(executor: Executor, options: Record<string, string>): StrategyContext {
  return {
    executor,
    classifier: { inputSize: CLASSES, hidden: [], classes: CLASSES },
    optimizer: { kind: 'sgd' },
    learningRate: 0.1,
    batchSize: 10,
    epochs: 1,
    seed: 5,
    options,
  };
}

/** 100 samples whose logits are (id/10, 0, 0): the lower the id, the less confident the model. */
function pool(): LabelledBatch[] {
  return Array.from({ length: 10 }, (_, b) => {
    const ids = Int32Array.from({ length: 10 }, (_, i) => 10 * b + i);
    const features = new Float32Array(30);
    ids.forEach((id, i) => (features[i * CLASSES] = id / 10));
    return { features, labels: Int32Array.from(ids, (id) => id % CLASSES), ids, experience: 0 };
  });
}

const trainedIds = (steps: { features: Float32Array }[]) =>
  new Set(steps.flatMap((s) => Array.from({ length: s.features.length / CLASSES }, (_, i) => Math.round(s.features[i * CLASSES]! * 10))));

describe('active (recorded steps)', () => {
  it('spends the budget in rounds on the least confident samples and trains on them only', async () => {
    const { executor, steps } = recordingExecutor();
    const s = active(context(executor, { budget: '0.2', acquisition: 'least-confidence', rounds: '4' }));
    for (const b of pool()) await s.learn(b);
    for (const b of pool()) await s.learn(b); // a second epoch of the loop adds nothing
    await s.endExperience({ index: 0, classes: [0, 1, 2] });
    expect(s.labelsUsed()).toBe(20);
    expect(s.rounds().map((r) => r.labelled)).toEqual([5, 5, 5, 5]);
    expect(s.rounds().map((r) => r.poolSize)).toEqual([100, 100, 100, 100]);
    // Rounds retrain on everything labelled so far: 5 + 10 + 15 + 20 samples in batches of 10.
    expect(steps).toHaveLength(1 + 1 + 2 + 2);
    expect([...trainedIds(steps)].sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });

  it('margin and entropy agree here; random picks a seeded subset of the same size', async () => {
    for (const acquisition of ['margin', 'entropy']) {
      const { executor, steps } = recordingExecutor();
      const s = active(context(executor, { budget: '0.1', acquisition }));
      for (const b of pool()) await s.learn(b);
      await s.endExperience({ index: 0, classes: [0] });
      expect([...trainedIds(steps)].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    }
    const picks = async () => {
      const { executor, steps } = recordingExecutor();
      const s = active(context(executor, { budget: '0.1', acquisition: 'random' }));
      for (const b of pool()) await s.learn(b);
      await s.endExperience({ index: 0, classes: [0] });
      expect(s.labelsUsed()).toBe(10);
      return [...trainedIds(steps)].sort((a, b) => a - b);
    };
    const first = await picks();
    expect(first).toHaveLength(10);
    expect(first).not.toEqual([...Array(10).keys()]);
    expect(await picks()).toEqual(first);
  });

  it('budgets round and never drop below one label', () => {
    expect(labelBudget(0.2, 1000)).toBe(200);
    expect(labelBudget(0.001, 10)).toBe(1);
    expect(labelBudget(0.5, 0)).toBe(0);
    expect(labelBudget(1, 7)).toBe(7);
  });

  it('rejects bad options all at once', () => {
    const { executor } = recordingExecutor();
    expect(() => active(context(executor, { budget: '1.5', acquisition: 'bald', rounds: '0' }))).toThrow(InvalidArgumentError);
    expect(() => active(context(executor, { budget: '0' }))).toThrow(/budget must be a number in \(0, 1\]/);
  });
});

describe('active (ONNX Runtime)', () => {
  let executor: Executor;
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
  });

  it('keeps its replay memory of labelled samples within capacity and restores its label count', async () => {
    const rng = Rng.seeded(2);
    const s = active({
      ...context(executor, { budget: '0.25', memory: '8', acquisition: 'entropy' }),
      classifier: { inputSize: CLASSES, hidden: [8], classes: CLASSES },
    });
    for (let e = 0; e < 2; e++) {
      for (let b = 0; b < 4; b++) {
        const ids = Int32Array.from({ length: 10 }, (_, i) => 100 * e + 10 * b + i);
        const labels = Int32Array.from(ids, (_, i) => e + (i % 2));
        const features = Float32Array.from(
          { length: 30 },
          (_, k) => (k % CLASSES === labels[Math.floor(k / CLASSES)] ? 3 : 0) + rng.normal(0, 0.5),
        );
        await s.learn({ features, labels, ids, experience: e });
      }
      await s.endExperience({ index: e, classes: [e, e + 1] });
      expect(s.describe?.().memorySize).toBeLessThanOrEqual(8);
    }
    expect(s.labelsUsed()).toBe(20);
    const saved = s.saveState();
    expect((saved.data['memory'] as { ids: number[] }).ids).toHaveLength(8);
    const copy = active({
      ...context(executor, { budget: '0.25', memory: '8', acquisition: 'entropy' }),
      classifier: { inputSize: CLASSES, hidden: [8], classes: CLASSES },
    });
    copy.restoreState(saved);
    expect(copy.labelsUsed()).toBe(20);
    expect(() => active(context(executor, {})).restoreState(saved)).toThrow(/has a replay memory but this strategy's memory option is 0/);
  });
});
