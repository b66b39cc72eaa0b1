import { describe, expect, expectTypeOf, it } from 'vitest';
import { DTYPES, TYPED_ARRAY_CONSTRUCTORS, type DataTypeMap } from './dtype.js';
import { type AnyTensor, fromArray, reshape, scalar, type Tensor, tensor, zeros } from './tensor.js';
import { expectTensorError } from './test-helpers.test-util.js';

describe('tensor()', () => {
  it('wraps data without copying and freezes the tensor', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = tensor('float32', [2, 3], data);
    expect(t.data).toBe(data);
    expect(t.shape).toEqual([2, 3]);
    expect(t.size).toBe(6);
    expect(t.dtype).toBe('float32');
    expect(Object.isFrozen(t)).toBe(true);
    expect(Object.isFrozen(t.shape)).toBe(true);
  });

  it('types data from the dtype', () => {
    expectTypeOf(tensor('int64', [1], new BigInt64Array(1)).data).toEqualTypeOf<BigInt64Array>();
    expectTypeOf<DataTypeMap['float16']>().toEqualTypeOf<Uint16Array>();
    const narrow = (t: AnyTensor): number | bigint => (t.dtype === 'int64' ? t.data[0]! : 0);
    expect(narrow(fromArray('int64', [7n]))).toBe(7n);
  });

  it('accepts zero-size and scalar shapes', () => {
    expect(tensor('int32', [0, 5], new Int32Array(0)).size).toBe(0);
    expect(tensor('float64', [], new Float64Array([3])).size).toBe(1);
  });

  it('rejects a data length that does not match the shape', () => {
    expectTensorError(
      () => tensor('float32', [2, 3], new Float32Array(5)),
      'SIZE_MISMATCH',
      'tensor data has 5 elements but shape [2, 3] needs 6',
    );
  });

  it('rejects data of the wrong TypedArray', () => {
    expectTensorError(
      () => tensor('float32', [2], new Float64Array(2) as unknown as Float32Array),
      'INVALID_DTYPE',
      'float32 tensor needs a Float32Array for its data, got Float64Array',
    );
    expectTensorError(
      () => tensor('int64', [2], [1, 2] as unknown as BigInt64Array),
      'INVALID_DTYPE',
      'int64 tensor needs a BigInt64Array for its data, got Array',
    );
  });

  it('rejects unknown dtypes', () => {
    expectTensorError(
      () => tensor('float' as 'float32', [1], new Float32Array(1)),
      'INVALID_DTYPE',
      'unknown dtype "float"; expected one of float32, float64, int32, int64, uint8, bool, int8, float16, uint16, int16, uint32, uint64',
    );
  });

  it('rejects bad shapes', () => {
    expectTensorError(() => tensor('uint8', [-1], new Uint8Array(0)), 'INVALID_SHAPE', /dim 0 is -1/);
  });

  it('rejects bool data other than 0 and 1', () => {
    expectTensorError(
      () => tensor('bool', [4], Uint8Array.from([0, 1, 2, 255])),
      'INVALID_VALUE',
      'tensor is bool but holds 2 value(s) other than 0 or 1 (first: 2 at index 2)',
    );
  });
});

describe('zeros()', () => {
  it('makes zeros of every dtype', () => {
    for (const dtype of DTYPES) {
      const t = zeros(dtype, [2, 2]);
      expect(t.data).toBeInstanceOf(TYPED_ARRAY_CONSTRUCTORS[dtype]);
      expect(
        [...t.data].every((v) => v === 0 || v === 0n),
        dtype,
      ).toBe(true);
      expect(t.size).toBe(4);
    }
  });

  it('handles scalars and empty tensors, and rejects bad shapes', () => {
    expect(zeros('float32', []).data.length).toBe(1);
    expect(zeros('float32', [3, 0]).data.length).toBe(0);
    expectTensorError(() => zeros('float32', [1.5]), 'INVALID_SHAPE', /dim 0 is 1\.5/);
  });
});

describe('fromArray()', () => {
  it('infers the shape from nesting', () => {
    const t = fromArray('float64', [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect([...t.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('takes a flat array with an explicit shape', () => {
    const t = fromArray('int32', [1, 2, 3, 4, 5, 6], [3, 2]);
    expect(t.shape).toEqual([3, 2]);
    expect(t.data).toEqual(Int32Array.from([1, 2, 3, 4, 5, 6]));
  });

  it('handles empty and zero-dim arrays', () => {
    expect(fromArray('float32', []).shape).toEqual([0]);
    expect(fromArray('float32', [[], []]).shape).toEqual([2, 0]);
    expect(fromArray('float32', [], [0, 3]).shape).toEqual([0, 3]);
  });

  it('converts int64, bool and float16 inputs', () => {
    expect([...fromArray('int64', [1, -(2n ** 63n), 2n ** 63n - 1n]).data]).toEqual([1n, -(2n ** 63n), 2n ** 63n - 1n]);
    expect([...fromArray('bool', [true, false, 1, 0]).data]).toEqual([1, 0, 1, 0]);
    expect([...fromArray('float16', [1, -2, 65504]).data]).toEqual([0x3c00, 0xc000, 0x7bff]);
  });

  it('rejects ragged arrays', () => {
    expectTensorError(
      () => fromArray('float32', [[1, 2], [3]]),
      'INVALID_SHAPE',
      'fromArray values are ragged: element [1] has length 1, expected an array of length 2',
    );
    expectTensorError(
      () => fromArray('float32', [1, [2]]),
      'INVALID_SHAPE',
      'fromArray values are ragged: element [1] is an array, expected a value',
    );
    expectTensorError(
      () => fromArray('float32', [[1], 2]),
      'INVALID_SHAPE',
      'fromArray values are ragged: element [1] is 2, expected an array of length 1',
    );
  });

  it('rejects a count that does not match the explicit shape', () => {
    expectTensorError(() => fromArray('float32', [1, 2, 3], [2, 2]), 'SIZE_MISMATCH', 'fromArray got 3 values but shape [2, 2] needs 4');
  });

  it('holds the ONNX-only integer types (uint16, int16, uint32, uint64) within their ranges', () => {
    expect([...fromArray('uint16', [0, 65535]).data]).toEqual([0, 65535]);
    expect([...fromArray('int16', [-32768, 32767]).data]).toEqual([-32768, 32767]);
    expect([...fromArray('uint32', [2 ** 32 - 1]).data]).toEqual([2 ** 32 - 1]);
    const big = fromArray('uint64', [2n ** 64n - 1n, 7]);
    expect(big.data).toBeInstanceOf(BigUint64Array);
    expect([...big.data]).toEqual([2n ** 64n - 1n, 7n]);
    expectTensorError(() => fromArray('uint16', [65536]), 'INVALID_VALUE', /uint16 needs an integer in \[0, 65535\]/);
    expectTensorError(() => fromArray('int16', [-32769]), 'INVALID_VALUE', /int16 needs an integer in \[-32768, 32767\]/);
    expectTensorError(() => fromArray('uint32', [-1]), 'INVALID_VALUE', /uint32 needs an integer in \[0, 4294967295\]/);
    expectTensorError(() => fromArray('uint64', [-1n]), 'INVALID_VALUE', /uint64 needs a bigint in \[0, 18446744073709551615\]/);
  });

  it('rejects values the dtype cannot hold instead of wrapping them', () => {
    expectTensorError(
      () => fromArray('uint8', [1, 256]),
      'INVALID_VALUE',
      'fromArray value 1 is 256, but uint8 needs an integer in [0, 255]',
    );
    expectTensorError(() => fromArray('int8', [-129]), 'INVALID_VALUE', /int8 needs an integer in \[-128, 127\]/);
    expectTensorError(
      () => fromArray('int32', [1.5]),
      'INVALID_VALUE',
      /value 0 is 1\.5, but int32 needs an integer in \[-2147483648, 2147483647\]/,
    );
    expectTensorError(() => fromArray('int32', [2 ** 31]), 'INVALID_VALUE', /value 0 is 2147483648/);
    expectTensorError(() => fromArray('bool', [2]), 'INVALID_VALUE', 'fromArray value 0 is 2, but bool needs a boolean, 0 or 1');
    expectTensorError(() => fromArray('int64', [2n ** 63n]), 'INVALID_VALUE', /value 0 is 9223372036854775808n, but int64 needs a bigint/);
    expectTensorError(() => fromArray('int64', [2 ** 60]), 'INVALID_VALUE', /int64 needs .* or a safe integer number/);
    expectTensorError(
      () => fromArray('float32', ['1' as unknown as number]),
      'INVALID_VALUE',
      'fromArray value 0 is "1", but float32 needs a number',
    );
    expectTensorError(() => fromArray('float64', [null as unknown as number]), 'INVALID_VALUE', /value 0 is null/);
  });
});

describe('scalar()', () => {
  it('makes rank-0 tensors', () => {
    const t: Tensor<'float32'> = scalar('float32', 2.5);
    expect(t.shape).toEqual([]);
    expect(t.size).toBe(1);
    expect(t.data[0]).toBe(2.5);
    expect(scalar('int64', 5n).data[0]).toBe(5n);
    expect(scalar('bool', true).data[0]).toBe(1);
  });

  it('rejects unrepresentable values', () => {
    expectTensorError(() => scalar('uint8', -1), 'INVALID_VALUE', /value 0 is -1/);
  });
});

describe('reshape()', () => {
  it('shares data under a new shape', () => {
    const t = fromArray('float32', [1, 2, 3, 4, 5, 6]);
    const r = reshape(t, [3, 2]);
    expect(r.shape).toEqual([3, 2]);
    expect(r.data).toBe(t.data);
    expect(reshape(scalar('float32', 1), [1, 1]).shape).toEqual([1, 1]);
    expect(reshape(zeros('float32', [0, 3]), [3, 0]).shape).toEqual([3, 0]);
  });

  it('rejects a different size', () => {
    expectTensorError(
      () => reshape(zeros('float32', [2, 3]), [4, 2]),
      'SIZE_MISMATCH',
      'cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)',
    );
  });

  it('rejects bad shapes', () => {
    expectTensorError(() => reshape(zeros('float32', [2, 3]), [-2, -3]), 'INVALID_SHAPE', /dim 0 is -2, dim 1 is -3/);
  });
});
