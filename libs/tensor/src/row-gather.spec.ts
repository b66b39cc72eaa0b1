import { describe, expect, it } from 'vitest';
import { gatherRows, scatterRows } from './row-gather.js';

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

describe('scatterRows', () => {
  it('writes each value row to the table row named for it, leaving the others, and undoes a gather', () => {
    const table = new Float32Array(6).fill(-1);
    scatterRows(table, 2, [2, 0], Float32Array.from([20, 21, 0, 1]));
    expect([...table]).toEqual([0, 1, -1, -1, 20, 21]);
    const source = Float32Array.from([0, 1, 10, 11, 20, 21]);
    const back = new Float32Array(6);
    scatterRows(back, 2, [1, 2, 0], gatherRows(source, 2, [1, 2, 0]));
    expect(back).toEqual(source);
  });
});
