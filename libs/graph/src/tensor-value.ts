/** Constant tensors held by graphs: initializers, Constant values and tensor attributes. */
import { DType, dtypeInfo, type TensorData } from './dtype.js';
import { GraphError } from './errors.js';
import { numberToInt64 } from './int64.js';

/** A dense constant tensor: element type, dimensions and row-major little-endian elements. */
export interface TensorValue<D extends DType = DType> {
  /** ONNX element type. */
  readonly dtype: D;
  /** Dimensions; `[]` is a scalar. */
  readonly shape: readonly number[];
  /** Elements in row-major order; its length equals the product of `dims`. */
  readonly data: TensorData<D>;
}

/** Number of elements of a tensor with these dimensions (1 for a scalar). */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Values accepted when making a tensor from plain JavaScript numbers. */
export type TensorInit = TensorData | readonly number[] | readonly bigint[] | readonly boolean[];

/**
 * Makes a tensor, converting plain arrays to the dtype's typed array (numbers are truncated for
 * integer types, booleans become 0/1). Throws when the element count does not match `dims`.
 */
export function createTensor<D extends DType>(dtype: D, dims: readonly number[], values: TensorInit): TensorValue<D> {
  const meta = dtypeInfo(dtype);
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new GraphError(`Invalid tensor dimension ${d} in [${dims.join(', ')}]`);
  }
  const count = elementCount(dims);
  if (values.length !== count) {
    throw new GraphError(`Tensor of shape [${dims.join(', ')}] needs ${count} elements, got ${values.length}`);
  }
  let data: TensorData;
  if (ArrayBuffer.isView(values) && values.constructor === meta.array) {
    data = values;
  } else {
    data = new meta.array(count);
    const plain = values as ArrayLike<number | bigint | boolean>;
    for (let i = 0; i < count; i++) {
      const v = plain[i];
      // Typed arrays wrap out-of-range bigints; clamp instead so ±Infinity-like sentinels stay extreme.
      if (meta.isBigInt) (data as BigInt64Array)[i] = clampBigInt(typeof v === 'bigint' ? v : numberToInt64(Number(v)), meta.code);
      else (data as Float32Array)[i] = Number(v);
    }
  }
  return { dtype, shape: [...dims], data: data as TensorData<D> };
}

function clampBigInt(v: bigint, code: DType): bigint {
  if (code === DType.uint64) return v < 0n ? 0n : v > 2n ** 64n - 1n ? 2n ** 64n - 1n : v;
  return numberToInt64(Number(v)) === v ? v : v > 0n ? 2n ** 63n - 1n : -(2n ** 63n);
}

/** A scalar (rank 0) tensor. */
export function scalarTensor<D extends DType>(dtype: D, value: number | bigint | boolean): TensorValue<D> {
  return createTensor(dtype, [], [value] as readonly number[]);
}

/** Elements of a tensor as JavaScript numbers (64-bit integers beyond 2^53 lose precision). */
export function tensorToNumbers(tensor: TensorValue): number[] {
  return Array.from(tensor.data as ArrayLike<number | bigint>, Number);
}

/** Whether two tensors have the same dtype, dims and elements (NaN equals NaN). */
export function tensorsEqual(a: TensorValue, b: TensorValue): boolean {
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length) return false;
  if (a.shape.some((d, i) => d !== b.shape[i])) return false;
  if (a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i];
    const y = b.data[i];
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}
