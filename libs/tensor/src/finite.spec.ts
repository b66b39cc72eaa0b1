import { describe, expect, it } from 'vitest';
import { assertFinite } from './finite.js';
import { fromArray, tensor, zeros } from './tensor.js';
import { expectTensorError } from './test-helpers.test-util.js';

describe('assertFinite', () => {
  it('passes finite float tensors and any integer tensor', () => {
    expect(() => assertFinite(fromArray('float32', [1, -2, 3.5]))).not.toThrow();
    expect(() => assertFinite(zeros('float64', [0]))).not.toThrow();
    expect(() => assertFinite(fromArray('int32', [2 ** 31 - 1]))).not.toThrow();
    // 0x7c00 is +Infinity as float16 bits, but only float16 data is read as half bits.
    expect(() => assertFinite(fromArray('int32', [0x7c00]))).not.toThrow();
    expect(() => assertFinite(fromArray('float16', [65504, -65504]))).not.toThrow();
  });

  it('names the first non-finite value, its index and the count', () => {
    const t = fromArray('float32', [
      [1, 2, 3],
      [4, Number.NaN, Infinity],
    ]);
    expectTensorError(
      () => assertFinite(t, 'gradient of fc1.weight'),
      'NON_FINITE',
      'gradient of fc1.weight (float32 [2, 3]) has 2 non-finite value(s), first NaN at index 4 = [1, 1]; only finite numbers are allowed here',
    );
  });

  it('checks float64 and scalars', () => {
    expectTensorError(
      () => assertFinite(fromArray('float64', [-Infinity])),
      'NON_FINITE',
      'tensor (float64 [1]) has 1 non-finite value(s), first -Infinity at index 0; only finite numbers are allowed here',
    );
    expectTensorError(() => assertFinite(fromArray('float64', Number.NaN)), 'NON_FINITE', /float64 \[\]\) has 1 non-finite/);
  });

  it('checks float16 bits (Infinity and NaN patterns)', () => {
    const t = tensor('float16', [3], Uint16Array.from([0x3c00, 0xfc00, 0x7e01]));
    expectTensorError(() => assertFinite(t), 'NON_FINITE', /has 2 non-finite value\(s\), first -Infinity at index 1;/);
  });
});
