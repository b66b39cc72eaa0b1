import { MnemeError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { classIncremental, onlineStream, scenarioStream, taskIncremental } from './index.js';
import { tinyDataset } from './synthetic.test-util.js';

// 4 classes × 20 images; positions 0, 10 of each class are test → 18 training images per class.
const dataset = tinyDataset([20, 20, 20, 20], 10);

describe('onlineStream', () => {
  const part = classIncremental(dataset, { seed: 1, experiences: 2 }).experiences[0]!.train;

  it('yields the part in order, in batches of b, the last one smaller', () => {
    const stream = onlineStream(part, { batchSize: 10 });
    expect(stream.length).toBe(4);
    const batches = [...stream];
    expect(batches.map((b) => b.labels.length)).toEqual([10, 10, 10, 6]);
    expect(batches.flatMap((b) => Array.from(b.indices))).toEqual(Array.from(part.indices));
    expect(batches[0]!.inputs.length).toBe(10 * 4);
  });

  it('can drop a short last batch', () => {
    expect([...onlineStream(part, { batchSize: 10, dropLast: true })].map((b) => b.labels.length)).toEqual([10, 10, 10]);
  });

  it('is single-pass', () => {
    const stream = onlineStream(part, { batchSize: 5 });
    expect([...stream]).toHaveLength(8);
    let err: unknown;
    try {
      for (const _ of stream) break;
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MnemeError);
    expect((err as MnemeError).kind).toBe('failed-precondition');
  });

  it('rejects a bad batch size', () => {
    expect(() => onlineStream(part, { batchSize: 0 })).toThrow('batchSize must be a positive integer, got 0');
  });
});

describe('scenarioStream', () => {
  it('streams experience after experience, naming each, without task ids outside task-incremental', () => {
    const scenario = classIncremental(dataset, { seed: 2, experiences: 2 });
    const items = [...scenarioStream(scenario, { batchSize: 10 })];
    expect(items.map((item) => item.experience)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(items.some((item) => 'taskId' in item)).toBe(false);
    expect(new Set(items.slice(0, 4).flatMap((item) => Array.from(item.batch.labels)))).toEqual(new Set(scenario.experiences[0]!.classes));
  });

  it('carries task ids in task-incremental scenarios', () => {
    const scenario = taskIncremental(dataset, { seed: 2, experiences: 2 });
    const items = [...scenarioStream(scenario, { batchSize: 36 })];
    expect(items.map((item) => [item.experience, item.taskId])).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  it('is the same for the same seed and differs for another', () => {
    const order = (seed: number): number[] =>
      [...scenarioStream(classIncremental(dataset, { seed, experiences: 2 }), { batchSize: 10 })].flatMap((item) =>
        Array.from(item.batch.indices),
      );
    expect(order(3)).toEqual(order(3));
    expect(order(3)).not.toEqual(order(4));
  });
});
