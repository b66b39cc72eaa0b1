import { describe, expect, it } from 'vitest';
import { classIncremental, holdoutSplit, imageDataset, loadMnist, MNIST_CLASS_NAMES, taskIncremental } from './index.js';
import { tinyDataset } from './synthetic.test-util.js';

const sorted = (values: ArrayLike<number>): number[] => Array.from(values).sort((a, b) => a - b);

describe('classIncremental', () => {
  // 7 classes × 8 images; images 0 and 4 of each class are test, image 1 validation.
  const dataset = tinyDataset(new Array<number>(7).fill(8), 4, true);

  it('cuts a given class order into experiences of near-equal size, larger first', () => {
    const scenario = classIncremental(dataset, { seed: 1, experiences: 4, classOrder: ['c6', 'c5', 'c4', 'c3', 'c2', 'c1', 'c0'] });
    expect(scenario.kind).toBe('class-incremental');
    expect(scenario.classes).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    expect(scenario.experiences.map((e) => e.classes)).toEqual([[6, 5], [4, 3], [2, 1], [0]]);
  });

  it('puts each experience’s classes, and only those, in its train, validation and test parts', () => {
    const scenario = classIncremental(dataset, { seed: 1, experiences: 4, classOrder: ['c6', 'c5', 'c4', 'c3', 'c2', 'c1', 'c0'] });
    const first = scenario.experiences[0]!;
    expect(new Set(first.train.labels)).toEqual(new Set([5, 6]));
    // Per class: 2 test (positions 0, 4), 1 validation (position 1), 5 train.
    expect([first.train.size, first.validation.size, first.test.size]).toEqual([10, 2, 4]);
    expect(Array.from(first.test.indices)).toEqual([40, 44, 48, 52]);
    expect(Array.from(first.validation.indices)).toEqual([41, 49]);
    expect(scenario.experiences.reduce((sum, e) => sum + e.test.size, 0)).toBe(14);
  });

  it('draws the class order and the training order from the seed', () => {
    const a = classIncremental(dataset, { seed: 7, experiences: 7 });
    const b = classIncremental(dataset, { seed: 7, experiences: 7 });
    const c = classIncremental(dataset, { seed: 8, experiences: 7 });
    expect(a.experiences.map((e) => e.classes)).toEqual(b.experiences.map((e) => e.classes));
    expect(Array.from(a.experiences[0]!.train.indices)).toEqual(Array.from(b.experiences[0]!.train.indices));
    expect(sorted(a.experiences.flatMap((e) => e.classes))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(a.experiences.map((e) => e.classes)).not.toEqual(c.experiences.map((e) => e.classes));
    // Training samples come shuffled, not in data-set order.
    const train = Array.from(a.experiences[0]!.train.indices);
    expect(train).not.toEqual(sorted(train));
  });

  it('takes explicit groups, which may leave classes out', () => {
    const scenario = classIncremental(dataset, { seed: 0, groups: [['c2', 'c0'], ['c5']] });
    expect(scenario.experiences.map((e) => e.classes)).toEqual([[2, 0], [5]]);
  });

  it('caps each part at the asked size, drawing by seed', () => {
    const scenario = classIncremental(dataset, { seed: 0, experiences: 7, trainPerExperience: 3, testPerExperience: 1 });
    expect(scenario.experiences.map((e) => e.train.size)).toEqual(new Array<number>(7).fill(3));
    expect(scenario.experiences.map((e) => e.test.size)).toEqual(new Array<number>(7).fill(1));
  });

  it('reports every bad option at once', () => {
    expect(() => classIncremental(dataset, { seed: 0, groups: [['c1', 'nope'], ['c1']], experiences: 3 })).toThrow(
      'experiences is 3 but 2 groups were given; class "nope" is not in the data set (it has 7 classes); class "c1" is listed more than once',
    );
    expect(() => classIncremental(dataset, { seed: 0, experiences: 8 })).toThrow('cannot split 7 classes into 8 experiences');
    expect(() => classIncremental(dataset, { seed: 0.5, experiences: 2 })).toThrow('seed must be an integer, got 0.5');
    expect(() => classIncremental(dataset, { seed: 0, experiences: 7, trainPerExperience: 6 })).toThrow(
      /experience 0 of tiny has 5 train samples, fewer than the 6 asked for/,
    );
  });

  it('gives evaluation views no task id, at run time and in the types', () => {
    const scenario = classIncremental(dataset, { seed: 0, experiences: 7 });
    const experience = scenario.experiences[0]!;
    expect('taskId' in experience.test).toBe(false);
    expect('taskId' in experience.validation).toBe(false);
    expect('taskId' in experience.train).toBe(false);
    // @ts-expect-error an evaluation view of a class-incremental scenario has no taskId field
    expect(experience.test.taskId).toBeUndefined();
  });
});

describe('taskIncremental', () => {
  const dataset = tinyDataset([8, 8, 8, 8]);

  it('has the experiences of classIncremental, with the task id on every view', () => {
    const options = { seed: 4, experiences: 2 };
    const tasks = taskIncremental(dataset, options);
    const classes = classIncremental(dataset, options);
    expect(tasks.kind).toBe('task-incremental');
    expect(tasks.experiences.map((e) => e.classes)).toEqual(classes.experiences.map((e) => e.classes));
    tasks.experiences.forEach((experience, i) => {
      const taskIds: number[] = [experience.train.taskId, experience.validation.taskId, experience.test.taskId];
      expect(taskIds).toEqual([i, i, i]);
      expect(Array.from(experience.train.indices)).toEqual(Array.from(classes.experiences[i]!.train.indices));
    });
  });
});

describe('Split-MNIST', () => {
  it('builds 5 experiences of digit pairs with 1,000 training samples and all held-out digits', async () => {
    const mnist = await loadMnist();
    const splits = holdoutSplit(mnist.labels, { test: 2000, seed: 42 });
    const dataset = imageDataset('mnist', mnist, splits);
    const scenario = classIncremental(dataset, { seed: 42, experiences: 5, classOrder: MNIST_CLASS_NAMES, trainPerExperience: 1000 });
    expect(scenario.experiences.map((e) => e.classes)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
      [8, 9],
    ]);
    expect(scenario.experiences.map((e) => e.train.size)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(scenario.experiences.reduce((sum, e) => sum + e.test.size, 0)).toBe(2000);
    const trainIds = new Set(scenario.experiences.flatMap((e) => Array.from(e.train.indices)));
    const testIds = scenario.experiences.flatMap((e) => Array.from(e.test.indices));
    expect(testIds.some((i) => trainIds.has(i))).toBe(false);
    expect(testIds.every((i) => splits[i] === 'test')).toBe(true);
    expect(scenario.inputShape).toEqual([28, 28]);
    expect(scenario.experiences[0]!.train.batch([0, 1]).inputs.length).toBe(2 * 784);
  });
});
