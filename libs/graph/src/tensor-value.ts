/**
 * Plain-number helpers for the constant tensors graphs hold (initializers, Constant values, tensor
 * attributes). The tensors themselves are libs/tensor's `Tensor`; these add the conversions graph
 * code wants: ONNX Cast-like truncation of plain numbers, and comparison with NaN equal to NaN.
 */
import { isBigIntDType, tensor, TYPED_ARRAY_CONSTRUCTORS, type DataTypeMap, type DType, type Tensor, type TypedArray } from '@mneme/tensor';
import { GraphError } from './errors.js';
import { numberToInt64 } from './int64.js';

/** Number of elements of a tensor with these dimensions (1 for a scalar); no checks, for inferred shapes. */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Values accepted when making a tensor from plain JavaScript numbers. */
export type TensorInit = TypedArray | readonly number[] | readonly bigint[] | readonly boolean[];

/**
 * Makes a tensor, converting plain arrays to the dtype's typed array the way a typed-array store
 * does (numbers are truncated for integer types, booleans become 0/1, 64-bit integers are clamped
 * to their range); a typed array of the dtype's own kind is used as is, without a copy. Unlike
 * libs/tensor's `fromArray`, which refuses 1.5 as an int32, this never rejects a value: graph
 * builders pass computed numbers and rely on the truncation.
 *
 * @throws GraphError when a dimension is not a non-negative integer or the element count does not match `shape`
 */
export function createTensor<D extends DType>(dtype: D, shape: readonly number[], values: TensorInit): Tensor<D> {
  const array = TYPED_ARRAY_CONSTRUCTORS[dtype];
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new GraphError(`Invalid tensor dimension ${d} in [${shape.join(', ')}]`);
  }
  const count = elementCount(shape);
  if (values.length !== count) {
    throw new GraphError(`Tensor of shape [${shape.join(', ')}] needs ${count} elements, got ${values.length}`);
  }
  if (ArrayBuffer.isView(values) && values.constructor === array) return tensor(dtype, shape, values as DataTypeMap[D]);
  const data = new array(count);
  const plain = values as ArrayLike<number | bigint | boolean>;
  const bigInts = isBigIntDType(dtype);
  for (let i = 0; i < count; i++) {
    const v = plain[i];
    // Typed arrays wrap out-of-range bigints; clamp instead so ±Infinity-like sentinels stay extreme.
    if (bigInts) (data as BigInt64Array)[i] = clampBigInt(typeof v === 'bigint' ? v : numberToInt64(Number(v)), dtype);
    else (data as Float32Array)[i] = Number(v);
  }
  return tensor(dtype, shape, data);
}

function clampBigInt(v: bigint, dtype: DType): bigint {
  if (dtype === 'uint64') return v < 0n ? 0n : v > 2n ** 64n - 1n ? 2n ** 64n - 1n : v;
  return numberToInt64(Number(v)) === v ? v : v > 0n ? 2n ** 63n - 1n : -(2n ** 63n);
}

/** A scalar (rank 0) tensor, converted like {@link createTensor}. */
export function scalarTensor<D extends DType>(dtype: D, value: number | bigint | boolean): Tensor<D> {
  return createTensor(dtype, [], [value] as readonly number[]);
}

/** Elements of a tensor as JavaScript numbers (64-bit integers beyond 2^53 lose precision). */
export function tensorToNumbers(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

/** Whether two tensors have the same dtype, shape and elements (NaN equals NaN). */
export function tensorsEqual(a: Tensor, b: Tensor): boolean {
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
