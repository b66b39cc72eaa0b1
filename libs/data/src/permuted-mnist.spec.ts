import { describe, expect, it } from 'vitest';
import { holdoutSplit, imageDataset, loadMnist, permutedMnist, permutePixels } from './index.js';
import { tinyDataset } from './synthetic.test-util.js';

describe('permutePixels', () => {
  it('puts pixel permutation[p] of the original at p', () => {
    const dataset = tinyDataset([2, 2]);
    const permuted = permutePixels(dataset, Int32Array.from([3, 0, 2, 1]), 'p');
    const [a, b, c, d] = Array.from(dataset.gather([1]));
    expect(Array.from(permuted.gather([1]))).toEqual([d, a, c, b]);
    expect(permuted.name).toBe('p');
    expect(permuted.labels).toBe(dataset.labels);
  });

  it('rejects anything but a permutation of the pixels', () => {
    const dataset = tinyDataset([2, 2]);
    expect(() => permutePixels(dataset, Int32Array.from([0, 1, 1, 3]), 'p')).toThrow(
      'the permutation must reorder exactly the 4 pixels 0 … 3',
    );
    expect(() => permutePixels(dataset, Int32Array.from([0, 1, 2]), 'p')).toThrow(/exactly the 4 pixels/);
  });
});

describe('permutedMnist', () => {
  it('builds 10 seeded permutation experiences of 1,000 training samples over all classes', async () => {
    const mnist = await loadMnist();
    const dataset = imageDataset('mnist', mnist, holdoutSplit(mnist.labels, { test: 2000, seed: 1 }));
    const scenario = permutedMnist(dataset, { experiences: 10, seed: 3, trainPerExperience: 1000 });
    expect(scenario.kind).toBe('domain-incremental');
    expect(scenario.dataset).toBe('mnist');
    expect(scenario.experiences.map((e) => e.train.size)).toEqual(new Array<number>(10).fill(1000));
    expect(scenario.experiences.every((e) => e.test.size === 2000 && e.classes.length === 10)).toBe(true);
    expect('taskId' in scenario.experiences[3]!.test).toBe(false);

    const keys = new Set(scenario.permutations.map((p) => p.join(',')));
    expect(keys.size).toBe(10);
    const identity = Array.from({ length: 784 }, (_, p) => p).join(',');
    expect(keys.has(identity)).toBe(false);

    // The test images of experience 4 are the held-out images under permutation 4.
    const perm = scenario.permutations[4]!;
    const test = scenario.experiences[4]!.test;
    const seen = test.batch([0]).inputs;
    const original = dataset.gather([test.indices[0]!]);
    expect(Array.from(seen)).toEqual(Array.from(perm, (q) => original[q]!));

    const again = permutedMnist(dataset, { experiences: 10, seed: 3, trainPerExperience: 1000 });
    expect(again.permutations).toEqual(scenario.permutations);
    expect(Array.from(again.experiences[9]!.train.indices)).toEqual(Array.from(scenario.experiences[9]!.train.indices));
    const other = permutedMnist(dataset, { experiences: 2, seed: 4, identityFirst: true });
    expect(other.permutations[0]!.join(',')).toBe(identity);
    expect(other.permutations[1]!.join(',')).not.toBe(scenario.permutations[1]!.join(','));
  });
});
