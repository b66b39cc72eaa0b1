import { describe, expect, it } from 'vitest';
import { int64FromInt32 } from './int64.js';
import { TensorError } from './tensor-error.js';

describe('int64FromInt32', () => {
  it('matches BigInt conversion for positive, negative and extreme int32 values', () => {
    const values = Int32Array.from([0, 1, 9, -1, -7, 2147483647, -2147483648, 123456789]);
    expect([...int64FromInt32(values)]).toEqual([...values].map((v) => BigInt(v)));
  });

  it('takes plain number arrays and empty input', () => {
    expect([...int64FromInt32([3, -4])]).toEqual([3n, -4n]);
    expect(int64FromInt32(new Int32Array(0))).toHaveLength(0);
  });

  it('writes a fresh buffer, leaving the input untouched', () => {
    const values = Int32Array.from([5, -5]);
    const out = int64FromInt32(values);
    out[0] = 0n;
    expect([...values]).toEqual([5, -5]);
  });

  it('rejects numbers outside int32 or not integers, naming the index', () => {
    expect(() => int64FromInt32([1, 2 ** 31])).toThrow(/index 1/);
    expect(() => int64FromInt32([0.5])).toThrow(TensorError);
    expect(() => int64FromInt32([Number.NaN])).toThrow(/not an int32 integer/);
  });
});
