import { describe, expect, it } from 'vitest';
import { dataPart, imageDataset, textDataset } from './index.js';
import { tinyImages } from './synthetic.test-util.js';

describe('imageDataset', () => {
  const set = tinyImages([2, 3]);
  const dataset = imageDataset('tiny', set, ['train', 'test', 'train', 'train', 'test']);

  it('gathers copies of the asked rows, in order', () => {
    const batch = dataset.gather([4, 0]);
    expect(Array.from(batch)).toEqual([...set.features.subarray(16, 20), ...set.features.subarray(0, 4)]);
    batch[0] = 0;
    expect(set.features[16]).not.toBe(0);
    expect(dataset.inputShape).toEqual([2, 2]);
    expect(dataset.classes).toEqual(['c0', 'c1']);
  });

  it('rejects out-of-range indices and a split list of the wrong length', () => {
    expect(() => dataset.gather([5])).toThrow('tiny: sample index 5 is outside [0, 5)');
    expect(() => imageDataset('x', set, ['train'])).toThrow('x: 1 split entries for 5 samples');
  });

  it('checks the image set', () => {
    const bad = { ...set, features: set.features.map((v, i) => (i === 3 ? 2 : v)) };
    expect(() => imageDataset('x', bad, Array(5).fill('train'))).toThrow('pixel value 2 at offset 3 is outside [0, 1]');
  });
});

describe('textDataset', () => {
  it('maps label names to indices of their sorted names', () => {
    const dataset = textDataset('t', { texts: ['a', 'b', 'c'], labels: ['zeta', 'alpha', 'zeta'], splits: ['train', 'train', 'test'] });
    expect(dataset.classes).toEqual(['alpha', 'zeta']);
    expect(Array.from(dataset.labels)).toEqual([1, 0, 1]);
    expect(dataset.gather([2, 1])).toEqual(['c', 'b']);
    expect(dataset.inputShape).toBeUndefined();
  });
});

describe('dataPart', () => {
  const dataset = textDataset('t', {
    texts: ['a', 'b', 'c', 'd'],
    labels: ['x', 'y', 'x', 'y'],
    splits: ['train', 'train', 'train', 'train'],
  });
  const part = dataPart(dataset, Int32Array.from([3, 1, 2]));

  it('batches all samples or the asked positions', () => {
    expect(part.size).toBe(3);
    expect(Array.from(part.labels)).toEqual([1, 1, 0]);
    const all = part.batch();
    expect(all.inputs).toEqual(['d', 'b', 'c']);
    const some = part.batch([2, 0]);
    expect(some.inputs).toEqual(['c', 'd']);
    expect(Array.from(some.labels)).toEqual([0, 1]);
    expect(Array.from(some.indices)).toEqual([2, 3]);
  });

  it('rejects positions outside the part', () => {
    expect(() => part.batch([3])).toThrow('position 3 is outside this part of 3 samples');
  });
});
