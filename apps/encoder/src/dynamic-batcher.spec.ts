import { describe, expect, it } from 'vitest';
import { DynamicBatcher } from './dynamic-batcher.js';

/** A batcher that doubles numbers and records the batches it ran. */
function doubler(options: { maxBatch?: number; maxDelayMs?: number; failOn?: number } = {}) {
  const batches: number[][] = [];
  let depth = 0;
  const batcher = new DynamicBatcher<number, number>({
    ...options,
    onDepthChange: (d) => (depth += d),
    run: async (items) => {
      batches.push([...items]);
      await new Promise((r) => setTimeout(r, 1));
      if (options.failOn !== undefined && items.includes(options.failOn)) throw new Error(`cannot double ${options.failOn}`);
      return items.map((x) => 2 * x);
    },
  });
  return { batcher, batches, depth: () => depth };
}

describe('DynamicBatcher', () => {
  it('coalesces concurrent submissions into one run and splits the results back in order', async () => {
    const { batcher, batches } = doubler({ maxDelayMs: 5 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((x) => batcher.submit(x)));
    expect(results).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('runs a full batch at once instead of waiting for the delay', async () => {
    const { batcher, batches } = doubler({ maxBatch: 3, maxDelayMs: 10_000 });
    const started = Date.now();
    expect(await Promise.all([1, 2, 3].map((x) => batcher.submit(x)))).toEqual([2, 4, 6]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('runs a partial batch after the delay, and whatever queued meanwhile right after', async () => {
    const { batcher, batches } = doubler({ maxBatch: 2, maxDelayMs: 1 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((x) => batcher.submit(x)));
    expect(results).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('fails only the caller whose item fails, and reports the queue draining to zero', async () => {
    const { batcher, depth } = doubler({ failOn: 3 });
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((x) => batcher.submit(x)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ message: 'cannot double 3' });
    await batcher.idle();
    expect(depth()).toBe(0);
    expect(batcher.depth).toBe(0);
  });

  it('counts items by their size and lets an oversized item form its own batch', async () => {
    const batches: number[][] = [];
    const batcher = new DynamicBatcher<number[], number>({
      maxBatch: 4,
      maxDelayMs: 1,
      size: (xs) => xs.length,
      run: (items) => {
        batches.push(items.map((xs) => xs.length));
        return Promise.resolve(items.map((xs) => xs.length));
      },
    });
    await Promise.all([[1, 1], [1, 1, 1, 1, 1, 1], [1], [1, 1]].map((xs) => batcher.submit(xs)));
    expect(batches).toEqual([[2], [6], [1, 2]]);
  });
});
