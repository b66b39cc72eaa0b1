import { describe, expect, it } from 'vitest';
import { checkIds, ExperiencePool, gatherSamples } from './experience-pool.js';

describe('ExperiencePool', () => {
  it('de-duplicates by id (the loop replays an experience once per epoch) and grows past its first allocation', () => {
    const pool = new ExperiencePool(2);
    const batch = { features: new Float32Array([1, 2, 3, 4]), labels: Int32Array.from([0, 1]), ids: Int32Array.from([7, 8]) };
    expect(pool.add(batch)).toBe(2);
    expect(pool.add(batch)).toBe(0);
    for (let i = 0; i < 100; i++)
      pool.add({ features: new Float32Array([i, -i]), labels: Int32Array.from([i % 3]), ids: Int32Array.from([100 + i]) });
    expect(pool.size).toBe(102);
    expect(pool.gather([1, 101])).toEqual({
      features: new Float32Array([3, 4, 99, -99]),
      labels: Int32Array.from([1, 0]),
      ids: Int32Array.from([8, 199]),
    });
    pool.clear();
    expect(pool.size).toBe(0);
    expect(pool.add(batch)).toBe(2);
  });

  it('round-trips its state bit-exactly', () => {
    const pool = new ExperiencePool(3);
    pool.add({
      features: new Float32Array([0.1, 1e-30, -3.4e38, Math.PI, 0, 2]),
      labels: Int32Array.from([2, 0]),
      ids: Int32Array.from([5, 6]),
    });
    const copy = ExperiencePool.fromState(JSON.parse(JSON.stringify(pool.toState())) as ReturnType<ExperiencePool['toState']>);
    expect(new Uint32Array(copy.features().buffer)).toEqual(new Uint32Array(pool.features().buffer));
    expect(Array.from(copy.labels())).toEqual([2, 0]);
    expect(Array.from(copy.ids())).toEqual([5, 6]);
    expect(() => ExperiencePool.fromState({ inputSize: 3, features: [1], labels: [0], ids: [0] })).toThrow(/inconsistent/);
  });

  it('checks ids and gathers rows', () => {
    expect(() =>
      checkIds({ features: new Float32Array(2), labels: Int32Array.from([0, 1]), ids: Int32Array.from([0]), experience: 0 }),
    ).toThrow(/1 sample ids but 2 labels/);
    expect(gatherSamples(new Float32Array([1, 2, 3, 4]), Int32Array.from([5, 6]), [1, 1], 2)).toEqual({
      features: new Float32Array([3, 4, 3, 4]),
      labels: Int32Array.from([6, 6]),
    });
  });
});
