import { ParameterStore } from '@mneme/execution';
import { describe, expect, it } from 'vitest';
import { initPromptPool, initPromptPoolYielding, POOL_PARAMS } from './prompt-pool.js';

describe('initPromptPoolYielding', () => {
  it('draws the same prompts and keys as initPromptPool, a slice at a time', async () => {
    const shape = { size: 5, length: 3, selected: 2, dim: 7 };
    const sync = new ParameterStore();
    initPromptPool(sync, shape, 42);
    const sliced = new ParameterStore();
    // Slices that do not divide either tensor's size.
    await initPromptPoolYielding(sliced, shape, 42, 4);
    for (const name of [POOL_PARAMS.prompts, POOL_PARAMS.keys]) {
      expect(sliced.get(name).shape).toEqual(sync.get(name).shape);
      expect(Array.from(sliced.get(name).data)).toEqual(Array.from(sync.get(name).data));
    }
    expect(Array.from(sync.get(POOL_PARAMS.keys).data).every((v) => v >= -1 && v < 1)).toBe(true);
  });
});
