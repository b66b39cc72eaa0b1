import { DataType, type Tensor as WireTensor } from '@mneme/contracts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { DTYPES, fromArray, scalar, tensor, TensorError, zeros, type DType, type Tensor, type TensorErrorCode } from '@mneme/tensor';
import { dtypeFromWire, dtypeToWire, fromWire, toWire, WIRE_DTYPES } from './tensor-wire.js';

/** Expects `fn` to throw a TensorError with this code and a message matching `message`. */
function expectTensorError(fn: () => unknown, code: TensorErrorCode, message: string | RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(TensorError);
  expect((error as TensorError).code).toBe(code);
  if (typeof message === 'string') expect((error as TensorError).message).toBe(message);
  else expect((error as TensorError).message).toMatch(message);
}

/** A small sample of each dtype the wire carries, including its extremes. */
const SAMPLES: { readonly [D in DType]?: Tensor<D> } = {
  float32: fromArray('float32', [
    [1.5, -0, 3.4028234663852886e38],
    [-1e-45, 0.1, -7],
  ]),
  float64: fromArray('float64', [
    [Math.PI, -Number.MAX_VALUE],
    [Number.MIN_VALUE, -0],
  ]),
  int32: fromArray('int32', [[-(2 ** 31), 2 ** 31 - 1, 0]]),
  int64: fromArray('int64', [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -1n]),
  uint8: fromArray('uint8', [[[0, 255]], [[128, 7]]]),
  bool: fromArray('bool', [true, false, false, true]),
  int8: fromArray('int8', [-128, 127, 0]),
  float16: tensor('float16', [2, 2], Uint16Array.from([0x3c00, 0x8001, 0x7bff, 0xfbff])),
};

/** Places `bytes` at `offset` inside a larger buffer, as protobuf decoders and Node's Buffer pool do. */
function viewAt(bytes: Uint8Array, offset: number): Uint8Array {
  const backing = new Uint8Array(offset + bytes.length + 3).fill(0xee);
  backing.set(bytes, offset);
  return backing.subarray(offset, offset + bytes.length);
}

function wire(dtype: DataType, shape: number[], data: Uint8Array | number[]): WireTensor {
  return { dtype, shape, data: data instanceof Uint8Array ? data : Uint8Array.from(data) };
}

describe('dtype <-> wire enum', () => {
  it('maps every dtype to a distinct DataType and back', () => {
    const values = WIRE_DTYPES.map((d) => dtypeToWire(d));
    expect(new Set(values).size).toBe(WIRE_DTYPES.length);
    for (const d of WIRE_DTYPES) expect(dtypeFromWire(dtypeToWire(d))).toBe(d);
    expect(dtypeToWire('int8')).toBe(DataType.DATA_TYPE_INT8);
    expect(dtypeToWire('float16')).toBe(DataType.DATA_TYPE_FLOAT16);
    expect(dtypeToWire('bool')).toBe(DataType.DATA_TYPE_BOOL);
  });

  it('carries the eight wire dtypes and refuses the ONNX-only integer types by name', () => {
    expect(WIRE_DTYPES).toEqual(['float32', 'float64', 'int32', 'int64', 'uint8', 'bool', 'int8', 'float16']);
    expect(DTYPES.filter((d) => !WIRE_DTYPES.includes(d))).toEqual(['uint16', 'int16', 'uint32', 'uint64']);
    expectTensorError(
      () => dtypeToWire('uint32', 'request.ids'),
      'INVALID_DTYPE',
      'request.ids has dtype uint32, which the wire format does not carry; it carries float32, float64, int32, int64, uint8, bool, int8, float16',
    );
    expectTensorError(() => toWire(fromArray('uint64', [1n, 2n])), 'INVALID_DTYPE', /^tensor has dtype uint64, which the wire format/);
  });

  it('rejects unspecified and unknown values', () => {
    expectTensorError(
      () => dtypeFromWire(DataType.DATA_TYPE_UNSPECIFIED),
      'INVALID_DTYPE',
      /^tensor dtype is DATA_TYPE_UNSPECIFIED; expected one of DATA_TYPE_FLOAT32 \(float32\), /,
    );
    expectTensorError(
      () => dtypeFromWire(99 as DataType, 'x'),
      'INVALID_DTYPE',
      /^x dtype 99 is not a known DataType; expected one of .*DATA_TYPE_FLOAT16 \(float16\)$/,
    );
  });
});

describe('toWire', () => {
  it('writes little-endian row-major bytes', () => {
    const w = toWire(fromArray('int32', [[1, 256]]));
    expect(w.dtype).toBe(DataType.DATA_TYPE_INT32);
    expect(w.shape).toEqual([1, 2]);
    expect([...w.data]).toEqual([1, 0, 0, 0, 0, 1, 0, 0]);
    const f = toWire(scalar('float32', 1));
    expect([...f.data]).toEqual([0, 0, 0x80, 0x3f]);
    expect(f.shape).toEqual([]);
  });

  it('copies: later writes to the tensor do not reach the message', () => {
    const t = fromArray('float64', [1, 2]);
    const w = toWire(t);
    t.data[0] = 42;
    expect(new DataView(w.data.buffer, w.data.byteOffset).getFloat64(0, true)).toBe(1);
    expect(w.data.buffer).not.toBe(t.data.buffer);
    expect(Object.isFrozen(w.shape)).toBe(false);
  });

  it('encodes only the view of a subarray', () => {
    const backing = Float32Array.from([9, 1, 2, 9]);
    const w = toWire(tensor('float32', [2], backing.subarray(1, 3)));
    expect(w.data.byteLength).toBe(8);
    expect([...new Float32Array(w.data.buffer)]).toEqual([1, 2]);
  });

  it('refuses an inconsistent hand-made tensor', () => {
    const bad = { dtype: 'float32', shape: [3], data: new Float32Array(2), size: 3 } as Tensor<'float32'>;
    expectTensorError(() => toWire(bad), 'SIZE_MISMATCH', 'tensor data has 2 elements but shape [3] needs 3');
  });
});

describe('fromWire round trips', () => {
  it('reads float32 bytes at an unaligned offset of a Node Buffer (as decoded from a message)', () => {
    const pool = Buffer.alloc(13);
    const bytes = pool.subarray(1, 13);
    new DataView(bytes.buffer, bytes.byteOffset).setFloat32(4, 2.5, true);
    const t = fromWire({ dtype: dtypeToWire('float32'), shape: [3], data: bytes });
    expect(Array.from(t.data as Float32Array)).toEqual([0, 2.5, 0]);
  });

  for (const dtype of WIRE_DTYPES) {
    it(`${dtype}: aligned and at every unaligned offset`, () => {
      const original = SAMPLES[dtype]!;
      const w = toWire(original);
      for (const offset of [0, 1, 2, 3, 5, 7]) {
        const back = fromWire({ ...w, data: viewAt(w.data, offset) }, { expectDtype: dtype });
        expect(back.dtype).toBe(dtype);
        expect(back.shape).toEqual(original.shape);
        expect(back.data).toEqual(original.data);
        // Object.is keeps -0 distinct from 0 and compares BigInts by value.
        back.data.forEach((v: number | bigint, i: number) =>
          expect(Object.is(v, original.data[i]), `${dtype}[${i}] @${offset}`).toBe(true),
        );
      }
    });
  }

  it('keeps float16 raw bits exactly, including NaN payloads when allowed', () => {
    const t = tensor('float16', [3], Uint16Array.from([0x7e01, 0xfc00, 0x0001]));
    const back = fromWire(toWire(t), { expectDtype: 'float16', allowNonFinite: true });
    expect([...back.data]).toEqual([0x7e01, 0xfc00, 0x0001]);
  });

  it('round-trips scalars and tensors with zero dims', () => {
    for (const dtype of WIRE_DTYPES) {
      const s = fromWire(toWire(zeros(dtype, [])));
      expect(s.shape).toEqual([]);
      expect(s.size).toBe(1);
      const e = fromWire(toWire(zeros(dtype, [2, 0, 3])));
      expect(e.shape).toEqual([2, 0, 3]);
      expect(e.size).toBe(0);
      expect(e.data.length).toBe(0);
    }
  });

  it('views aligned payloads in place unless asked to copy', () => {
    const w = toWire(fromArray('float32', [1, 2]));
    const shared = fromWire(w, { expectDtype: 'float32' });
    expect(shared.data.buffer).toBe(w.data.buffer);
    const copied = fromWire(w, { expectDtype: 'float32', copy: true });
    expect(copied.data.buffer).not.toBe(w.data.buffer);
    w.data.fill(0);
    expect([...copied.data]).toEqual([1, 2]);
    expect([...shared.data]).toEqual([0, 0]);
  });

  it('copies unaligned payloads into an aligned buffer', () => {
    const data = viewAt(toWire(fromArray('float64', [1])).data, 3);
    const t = fromWire(wire(DataType.DATA_TYPE_FLOAT64, [1], data));
    expect(t.data.byteOffset % 8).toBe(0);
    expect(t.data.buffer).not.toBe(data.buffer);
    expect(t.data[0]).toBe(1);
  });

  it('reads Node Buffers', () => {
    const t = fromWire(wire(DataType.DATA_TYPE_INT32, [2], Buffer.from([1, 0, 0, 0, 2, 0, 0, 0])), { expectDtype: 'int32' });
    expect([...t.data]).toEqual([1, 2]);
  });

  it('types the result from expectDtype', () => {
    const w = toWire(fromArray('int64', [1n]));
    expectTypeOf(fromWire(w, { expectDtype: 'int64' }).data).toEqualTypeOf<BigInt64Array>();
    const any = fromWire(w);
    if (any.dtype === 'int64') expectTypeOf(any.data).toEqualTypeOf<BigInt64Array>();
    expect(any.dtype).toBe('int64');
  });
});

describe('fromWire rejects bad input', () => {
  it('unspecified and unknown dtypes', () => {
    expectTensorError(
      () => fromWire(wire(DataType.DATA_TYPE_UNSPECIFIED, [1], [0])),
      'INVALID_DTYPE',
      /^tensor dtype is DATA_TYPE_UNSPECIFIED; expected one of/,
    );
    expectTensorError(
      () => fromWire(wire(42 as DataType, [1], [0]), { what: 'features' }),
      'INVALID_DTYPE',
      /^features dtype 42 is not a known DataType/,
    );
  });

  it('a dtype other than the expected one', () => {
    expectTensorError(
      () => fromWire(toWire(fromArray('float64', [1])), { expectDtype: 'float32' }),
      'INVALID_DTYPE',
      'tensor has dtype float64 but float32 was expected',
    );
  });

  it('negative or non-integer dims', () => {
    expectTensorError(
      () => fromWire(wire(DataType.DATA_TYPE_UINT8, [2, -3], [])),
      'INVALID_SHAPE',
      'tensor shape [2, -3] is invalid: dim 1 is -3; every dimension must be a non-negative integer',
    );
    expectTensorError(() => fromWire(wire(DataType.DATA_TYPE_UINT8, [0.5], [])), 'INVALID_SHAPE', /dim 0 is 0\.5/);
    expectTensorError(
      () => fromWire({ dtype: DataType.DATA_TYPE_UINT8, data: new Uint8Array() } as unknown as WireTensor),
      'INVALID_SHAPE',
      /must be an array/,
    );
  });

  it('a byte length that does not match the shape', () => {
    expectTensorError(
      () => fromWire(wire(DataType.DATA_TYPE_FLOAT32, [2, 3], new Uint8Array(10))),
      'BYTE_LENGTH_MISMATCH',
      'tensor data has 10 bytes but shape [2, 3] of float32 needs 24 bytes',
    );
    expectTensorError(
      () => fromWire(wire(DataType.DATA_TYPE_INT64, [], new Uint8Array(16))),
      'BYTE_LENGTH_MISMATCH',
      'tensor data has 16 bytes but shape [] of int64 needs 8 bytes',
    );
    expectTensorError(
      () => fromWire(wire(DataType.DATA_TYPE_FLOAT16, [0], new Uint8Array(2))),
      'BYTE_LENGTH_MISMATCH',
      'tensor data has 2 bytes but shape [0] of float16 needs 0 bytes',
    );
    expectTensorError(
      () => fromWire({ dtype: DataType.DATA_TYPE_UINT8, shape: [1], data: [1] } as unknown as WireTensor),
      'BYTE_LENGTH_MISMATCH',
      'tensor data must be a Uint8Array of bytes, got object',
    );
  });

  it('a shape other than the expected one', () => {
    const w = toWire(zeros('float32', [2, 3]));
    expect(fromWire(w, { expectShape: [null, 3] }).shape).toEqual([2, 3]);
    expectTensorError(
      () => fromWire(w, { expectShape: [null, 4], what: 'embeddings' }),
      'SHAPE_MISMATCH',
      'embeddings has shape [2, 3] but [?, 4] was expected: dim 1 is 3, expected 4',
    );
    expectTensorError(
      () => fromWire(w, { expectShape: [6] }),
      'SHAPE_MISMATCH',
      'tensor has shape [2, 3] (rank 2) but [6] (rank 1) was expected',
    );
  });

  it('bool bytes other than 0 and 1', () => {
    expectTensorError(
      () => fromWire(wire(DataType.DATA_TYPE_BOOL, [3], [1, 0, 2]), { what: 'mask' }),
      'INVALID_VALUE',
      'mask is bool but holds 1 value(s) other than 0 or 1 (first: 2 at index 2)',
    );
  });

  it('non-finite floats unless the caller allows them', () => {
    const nan = toWire(
      fromArray('float32', [
        [0, 1],
        [Number.NaN, 3],
      ]),
    );
    expectTensorError(
      () => fromWire(nan, { what: 'features' }),
      'NON_FINITE',
      'features (float32 [2, 2]) has 1 non-finite value(s), first NaN at index 2 = [1, 0]; only finite numbers are allowed here',
    );
    expect(Number.isNaN(fromWire(nan, { allowNonFinite: true }).data[2])).toBe(true);
    const inf16 = wire(DataType.DATA_TYPE_FLOAT16, [1], [0x00, 0x7c]);
    expectTensorError(() => fromWire(inf16), 'NON_FINITE', /first Infinity at index 0/);
    expectTensorError(() => fromWire(toWire(fromArray('float64', [-Infinity]))), 'NON_FINITE', /first -Infinity/);
  });
});
