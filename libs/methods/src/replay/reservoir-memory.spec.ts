import { InvalidArgumentError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { ReservoirMemory, type MemoryBatch } from './reservoir-memory.js';

const D = 3;

/** `n` samples with ids from `first`; features encode the id so rows can be traced. */
function batch(first: number, n: number, label: number | ((i: number) => number), experience = 0): MemoryBatch {
  const labelOf = typeof label === 'number' ? () => label : label;
  const features = new Float32Array(n * D);
  for (let i = 0; i < n; i++) features.set([first + i, (first + i) / 7, -(first + i)], i * D);
  return {
    features,
    labels: Int32Array.from({ length: n }, (_, i) => labelOf(first + i)),
    ids: Int32Array.from({ length: n }, (_, i) => first + i),
    experience,
  };
}

describe('ReservoirMemory', () => {
  it('fills up to capacity, then never exceeds it', () => {
    const m = new ReservoirMemory({ capacity: 10, inputSize: D, seed: 1 });
    m.add(batch(0, 4, 0));
    expect(m.size).toBe(4);
    for (let s = 4; s < 200; s += 7) {
      m.add(batch(s, 7, 1));
      expect(m.size).toBeLessThanOrEqual(10);
    }
    expect(m.size).toBe(10);
    expect(m.samplesSeen).toBe(200);
    // Rows stay consistent: features still encode their id.
    const all = m.all();
    all.ids.forEach((id, i) => expect(all.features[i * D]).toBe(id));
  });

  it('keeps every stream position with probability capacity / n (algorithm R)', () => {
    const n = 50;
    const capacity = 10;
    const hits = new Array<number>(n).fill(0);
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      const m = new ReservoirMemory({ capacity, inputSize: D, seed: t });
      for (let s = 0; s < n; s += 10) m.add(batch(s, 10, 0));
      for (const id of m.all().ids) hits[id]!++;
    }
    // Each rate ≈ 0.2; 4 standard errors of a binomial(2000, 0.2) is ≈ 0.036.
    for (const h of hits) expect(Math.abs(h / trials - capacity / n)).toBeLessThan(0.036);
  });

  it('is deterministic per seed', () => {
    const run = (seed: number) => {
      const m = new ReservoirMemory({ capacity: 8, inputSize: D, seed });
      for (let s = 0; s < 100; s += 10) m.add(batch(s, 10, (i) => i % 3));
      return [...m.all().ids];
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('balances classes: equal shares, shrinking as classes arrive', () => {
    const m = new ReservoirMemory({ capacity: 12, inputSize: D, seed: 2, balanced: true, classes: 6 });
    m.add(batch(0, 40, 0, 0));
    expect(m.labelCounts()).toEqual(new Map([[0, 12]]));
    m.add(batch(40, 40, 1, 1));
    expect(m.labelCounts()).toEqual(
      new Map([
        [0, 6],
        [1, 6],
      ]),
    );
    m.add(batch(80, 5, 2, 2));
    // A third class shrinks every share to 4, evicting random samples of the first two.
    expect(m.labelCounts()).toEqual(
      new Map([
        [0, 4],
        [1, 4],
        [2, 4],
      ]),
    );
    m.add(batch(85, 100, (i) => 3 + (i % 2), 3));
    const counts = m.labelCounts();
    expect(m.size).toBe(12);
    // ⌊12 / 5⌋ = 2, the two earliest classes take the remainder.
    expect([...counts.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [0, 3],
      [1, 3],
      [2, 2],
      [3, 2],
      [4, 2],
    ]);
  });

  it('samples without replacement and honours label and experience exclusions', () => {
    const m = new ReservoirMemory({ capacity: 30, inputSize: D, seed: 3 });
    m.add(batch(0, 10, 0, 0));
    m.add(batch(10, 10, 1, 1));
    m.add(batch(20, 10, 2, 2));
    const s = m.sample(15, { excludeLabels: [1] });
    expect(new Set(s.ids).size).toBe(15);
    expect([...s.labels].every((l) => l !== 1)).toBe(true);
    s.ids.forEach((id, i) => expect(s.features[i * D]).toBe(id));
    expect(m.sample(100, { excludeExperiences: [0, 2] }).ids.length).toBe(10);
    expect(m.eligible({ excludeLabels: [0], excludeExperiences: [2] })).toBe(10);
    expect(m.sample(5, { excludeLabels: [0, 1, 2] }).ids.length).toBe(0);
  });

  it('validates a batch before storing any of it', () => {
    const m = new ReservoirMemory({ capacity: 5, inputSize: D, seed: 4, classes: 3 });
    m.add(batch(0, 5, 1));
    const before = m.snapshot();
    const nan = batch(5, 3, 1);
    nan.features[4] = Number.NaN;
    const ragged = { ...batch(5, 3, 1), features: new Float32Array(8) };
    const outside = batch(5, 3, 3);
    const ids = { ...batch(5, 3, 1), ids: new Int32Array(2) };
    for (const bad of [nan, ragged, outside, ids, { ...batch(5, 3, 1), experience: -1 }]) {
      expect(() => m.add(bad)).toThrow(InvalidArgumentError);
      expect(m.snapshot()).toEqual(before);
    }
    expect(() => m.add(nan)).toThrow(/feature 1 of row 1 is NaN/);
    expect(() => m.add(outside)).toThrow(/label 3 of sample 0 is outside the 3 classes/);
  });

  it('deletes by id and refills the freed slots', () => {
    const m = new ReservoirMemory({ capacity: 6, inputSize: D, seed: 5 });
    m.add(batch(0, 6, 0));
    expect(m.delete([1, 4, 99])).toBe(2);
    expect(m.size).toBe(4);
    const left = m.all();
    expect([...left.ids].sort((a, b) => a - b)).toEqual([0, 2, 3, 5]);
    left.ids.forEach((id, i) => expect(left.features[i * D]).toBe(id));
    m.add(batch(6, 2, 0));
    expect(m.size).toBe(6);
  });

  it('round-trips through snapshot/restore bit-exactly, random stream included', () => {
    const m = new ReservoirMemory({ capacity: 7, inputSize: D, seed: 6, balanced: true });
    const odd = batch(0, 30, (i) => i % 3);
    odd.features[5] = 0.1 + 1e-7; // a float32 value that is not a short decimal
    m.add(odd);
    const saved = JSON.parse(JSON.stringify(m.snapshot()));
    const atSave = m.all();
    m.add(batch(30, 20, 3));
    const continued = [m.snapshot(), m.sample(4)];
    const copy = new ReservoirMemory({ capacity: 7, inputSize: D, seed: 999, balanced: true });
    copy.restore(saved);
    expect(new Uint8Array(copy.all().features.buffer)).toEqual(new Uint8Array(atSave.features.buffer));
    expect(copy.all().ids).toEqual(atSave.ids);
    copy.add(batch(30, 20, 3));
    expect([copy.snapshot(), copy.sample(4)]).toEqual(continued);
    expect(() => new ReservoirMemory({ capacity: 8, inputSize: D, seed: 1 }).restore(saved)).toThrow(/capacity 7 ≠ memory capacity 8/);
  });

  it('rejects bad options', () => {
    expect(() => new ReservoirMemory({ capacity: 0, inputSize: 0, seed: 0.5 })).toThrow(
      /capacity must be a positive integer.*\n?.*inputSize/s,
    );
  });
});
