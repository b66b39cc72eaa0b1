import { describe, expect, it } from 'vitest';
import { SessionCache } from './session-cache.js';

describe('SessionCache', () => {
  it('counts hits and misses, evicts the least recently used, and shares concurrent creations', async () => {
    const evicted: string[] = [];
    const cache = new SessionCache<string>(2, (_v, key) => void evicted.push(key));
    let created = 0;
    const make = (v: string) => async () => {
      created++;
      return v;
    };
    const [a1, a2] = await Promise.all([cache.get('a', make('A')), cache.get('a', make('A2'))]);
    expect([a1, a2]).toEqual(['A', 'A']);
    await cache.get('b', make('B'));
    await cache.get('a', make('A3')); // touch a: b is now the oldest
    await cache.get('c', make('C'));
    await Promise.resolve();
    expect(evicted).toEqual(['b']);
    expect(cache.has('a') && cache.has('c') && !cache.has('b')).toBe(true);
    expect(created).toBe(3);
    expect(cache.stats()).toEqual({ hits: 2, misses: 3, evictions: 1, size: 2 });
  });

  it('does not cache failed creations', async () => {
    const cache = new SessionCache<number>(4, () => undefined);
    await expect(cache.get('k', () => Promise.reject(new Error('bad graph')))).rejects.toThrow('bad graph');
    expect(cache.has('k')).toBe(false);
    expect(await cache.get('k', async () => 7)).toBe(7);
  });

  it('rejects a non-positive bound', () => {
    expect(() => new SessionCache(0, () => undefined)).toThrow(/positive integer/);
  });
});
