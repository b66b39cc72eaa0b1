import { describe, expect, it } from 'vitest';
import { domainIncremental, imageDataset } from './index.js';
import { tinyDataset, tinyImages } from './synthetic.test-util.js';

describe('domainIncremental', () => {
  it('draws experience i from domain i, every experience holding every class', () => {
    const a = tinyDataset([4, 4]);
    const b = { ...tinyDataset([6, 6]), name: 'b' };
    const scenario = domainIncremental([a, b], { seed: 0 });
    expect(scenario.kind).toBe('domain-incremental');
    expect(scenario.experiences.map((e) => e.classes)).toEqual([
      [0, 1],
      [0, 1],
    ]);
    // tinyDataset holds out positions 0 and 4 of each class: a has 3 + 3 train, b has 4 + 4.
    expect(scenario.experiences.map((e) => e.train.size)).toEqual([6, 8]);
    expect('taskId' in scenario.experiences[1]!.test).toBe(false);
  });

  it('requires the same classes in every domain', () => {
    const a = tinyDataset([4, 4]);
    const other = imageDataset('other', tinyImages([4, 4], ['x', 'y']), Array(8).fill('train'));
    expect(() => domainIncremental([a, other], { seed: 0 })).toThrow('domain other has classes [x, y], not those of tiny');
    expect(() => domainIncremental([], { seed: 0 })).toThrow('needs at least one domain');
  });
});
