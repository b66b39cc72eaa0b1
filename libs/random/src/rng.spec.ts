import { describe, expect, it } from 'vitest';
import { Rng } from './index.js';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(Rng.seeded(7)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(Rng.seeded(7)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(Rng.seeded(8)),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('resumes exactly from a saved state', () => {
    const r = Rng.seeded(42);
    r.next();
    const saved = r.state();
    const expected = [r.next(), r.int(10), r.normal()];
    const resumed = Rng.fromState(saved);
    expect([resumed.next(), resumed.int(10), resumed.normal()]).toEqual(expected);
  });

  it('samples distinct indices and shuffles to a permutation', () => {
    const r = Rng.seeded(1);
    const s = r.sample(100, 30);
    expect(new Set(s).size).toBe(30);
    expect(s.every((i) => i >= 0 && i < 100)).toBe(true);
    expect(r.shuffle([...Array(20).keys()]).sort((p, q) => p - q)).toEqual([...Array(20).keys()]);
    expect(() => r.sample(3, 4)).toThrow(/cannot sample 4/);
  });

  it('draws normals with about the right moments', () => {
    const r = Rng.seeded(3);
    const xs = Array.from({ length: 20000 }, () => r.normal(2, 0.5));
    const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
    const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
    expect(mean).toBeCloseTo(2, 1);
    expect(Math.sqrt(variance)).toBeCloseTo(0.5, 1);
  });

  it('forks independent streams', () => {
    const r = Rng.seeded(5);
    const f = r.fork();
    expect(f.next()).not.toEqual(r.next());
  });
});
