import { describe, expect, it } from 'vitest';
import { gatherRows } from './row-gather.js';

describe('gatherRows', () => {
  const table = Float32Array.from([0, 1, 10, 11, 20, 21]);

  it('copies the picked rows in the order given, repeats included', () => {
    expect([...gatherRows(table, 2, [2, 0, 2])]).toEqual([20, 21, 0, 1, 20, 21]);
  });

  it('returns an empty array for no rows, and a copy (not a view) of the table', () => {
    expect(gatherRows(table, 2, []).length).toBe(0);
    const out = gatherRows(table, 2, Int32Array.from([1]));
    out[0] = -1;
    expect(table[2]).toBe(10);
  });
});
