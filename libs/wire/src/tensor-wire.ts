import { DataType, type Tensor as WireTensor } from '@mneme/contracts';
import {
  assertFinite,
  BYTES_PER_ELEMENT,
  checkBool,
  checkShape,
  DTYPES,
  formatShape,
  HOST_IS_LITTLE_ENDIAN,
  swapBytesInPlace,
  tensor,
  TensorError,
  TYPED_ARRAY_CONSTRUCTORS,
  type AnyTensor,
  type DType,
  type Shape,
  type Tensor,
} from '@mneme/tensor';

/** Options of {@link fromWire}. */
export interface FromWireOptions<D extends DType = DType> {
  /**
   * Accept NaN and ±Infinity in float tensors. Off by default because a non-finite input or
   * weight poisons every later step; turn it on only where such values are meaningful.
   * @default false
   */
  allowNonFinite?: boolean;
  /** Reject any other dtype (and type the result accordingly). @default any dtype */
  expectDtype?: D;
  /** Required shape; `null` accepts any size in that position, the rank must match. @default any shape */
  expectShape?: readonly (number | null)[];
  /**
   * Always copy the bytes. Otherwise an aligned little-endian payload is viewed in place, so the
   * tensor shares memory with `w.data` (zero-copy for large embeddings).
   * @default false
   */
  copy?: boolean;
  /** Names the tensor in error messages, e.g. `'request.features'`. @default 'tensor' */
  what?: string;
}

/**
 * dtype -> wire enum; a mapped type so a new dtype cannot be forgotten. `null` marks the dtypes the
 * wire does not carry (the ONNX-only 16/32/64-bit integer types graphs may hold): sending one is an
 * `INVALID_DTYPE` error naming it, never a silent reinterpretation.
 */
const WIRE_DATA_TYPES: { readonly [D in DType]: DataType | null } = Object.freeze({
  float32: DataType.DATA_TYPE_FLOAT32,
  float64: DataType.DATA_TYPE_FLOAT64,
  int32: DataType.DATA_TYPE_INT32,
  int64: DataType.DATA_TYPE_INT64,
  uint8: DataType.DATA_TYPE_UINT8,
  bool: DataType.DATA_TYPE_BOOL,
  int8: DataType.DATA_TYPE_INT8,
  float16: DataType.DATA_TYPE_FLOAT16,
  uint16: null,
  int16: null,
  uint32: null,
  uint64: null,
});

/** The dtypes the wire format carries, in wire-enum order. */
export const WIRE_DTYPES: readonly DType[] = Object.freeze(DTYPES.filter((d) => WIRE_DATA_TYPES[d] !== null));

const DTYPES_BY_WIRE: ReadonlyMap<number, DType> = new Map(WIRE_DTYPES.map((d) => [WIRE_DATA_TYPES[d] as DataType, d]));

/**
 * The wire enum value of a dtype.
 *
 * @param what names the tensor in the error message (default `'tensor'`)
 * @throws TensorError `INVALID_DTYPE` for a dtype the wire does not carry (see {@link WIRE_DTYPES})
 */
export function dtypeToWire(dtype: DType, what = 'tensor'): DataType {
  const dataType = WIRE_DATA_TYPES[dtype];
  if (dataType === null) {
    throw new TensorError(
      'INVALID_DTYPE',
      `${what} has dtype ${dtype}, which the wire format does not carry; it carries ${WIRE_DTYPES.join(', ')}`,
    );
  }
  return dataType;
}

/**
 * The dtype of a wire enum value.
 *
 * @param what names the tensor in the error message (default `'tensor'`)
 * @throws TensorError `INVALID_DTYPE` for DATA_TYPE_UNSPECIFIED and values this build does not know
 */
export function dtypeFromWire(dataType: DataType, what = 'tensor'): DType {
  const dtype = DTYPES_BY_WIRE.get(dataType);
  if (dtype !== undefined) return dtype;
  const expected = `expected one of ${WIRE_DTYPES.map((d) => `${DataType[dtypeToWire(d)]} (${d})`).join(', ')}`;
  if (dataType === DataType.DATA_TYPE_UNSPECIFIED) {
    throw new TensorError('INVALID_DTYPE', `${what} dtype is DATA_TYPE_UNSPECIFIED; ${expected}`);
  }
  throw new TensorError('INVALID_DTYPE', `${what} dtype ${String(dataType)} is not a known DataType; ${expected}`);
}

/**
 * Encodes a tensor as the proto Tensor: row-major little-endian bytes in a fresh buffer (never a
 * view of `t.data`, which the caller may keep mutating while the message is being sent).
 *
 * @throws TensorError if `t` is not a consistent tensor (same checks as `tensor()`), or `INVALID_DTYPE` when
 *   the wire does not carry its dtype (see {@link WIRE_DTYPES})
 */
export function toWire(t: Tensor): WireTensor {
  const checked = tensor(t.dtype, t.shape, t.data);
  const dtype = dtypeToWire(checked.dtype);
  const data = new Uint8Array(checked.data.buffer, checked.data.byteOffset, checked.data.byteLength).slice();
  if (!HOST_IS_LITTLE_ENDIAN) swapBytesInPlace(data, BYTES_PER_ELEMENT[checked.dtype]);
  return { dtype, shape: [...checked.shape], data };
}

/**
 * Decodes and validates a proto Tensor. Checks, in order: dtype known and specified (and equal to
 * `expectDtype`), dims non-negative integers (and matching `expectShape`), byte length equal to
 * size × byte width, bool bytes 0 or 1, and float values finite unless `allowNonFinite`.
 * Payloads whose byte offset is not a multiple of the element width (common: protobuf decoders
 * return views into the message buffer, and Node pools small Buffers) are copied into an aligned
 * buffer, because TypedArray views must be aligned.
 *
 * @throws TensorError `INVALID_DTYPE`, `INVALID_SHAPE`, `SHAPE_MISMATCH`, `BYTE_LENGTH_MISMATCH`,
 *   `INVALID_VALUE` or `NON_FINITE`
 */
export function fromWire<D extends DType>(w: WireTensor, options: FromWireOptions<D> & { expectDtype: D }): Tensor<D>;
export function fromWire(w: WireTensor, options?: FromWireOptions): AnyTensor;
export function fromWire(w: WireTensor, options: FromWireOptions = {}): AnyTensor {
  const what = options.what ?? 'tensor';
  const dtype = dtypeFromWire(w.dtype, what);
  if (options.expectDtype !== undefined && options.expectDtype !== dtype) {
    throw new TensorError('INVALID_DTYPE', `${what} has dtype ${dtype} but ${options.expectDtype} was expected`);
  }
  const shape = checkShape(w.shape, what);
  if (options.expectShape !== undefined) checkExpectedShape(shape, options.expectShape, what);

  const width = BYTES_PER_ELEMENT[dtype];
  const size = shape.reduce((acc, d) => acc * d, 1);
  const bytes: unknown = w.data;
  if (!(bytes instanceof Uint8Array)) {
    throw new TensorError('BYTE_LENGTH_MISMATCH', `${what} data must be a Uint8Array of bytes, got ${typeof bytes}`);
  }
  if (bytes.byteLength !== size * width) {
    throw new TensorError(
      'BYTE_LENGTH_MISMATCH',
      `${what} data has ${bytes.byteLength} bytes but shape ${formatShape(shape)} of ${dtype} needs ${size * width} bytes`,
    );
  }

  const mustCopy = options.copy === true || !HOST_IS_LITTLE_ENDIAN || bytes.byteOffset % width !== 0;
  // `new Uint8Array(view)` copies into a fresh buffer; a Buffer's `slice` would be another view.
  const source = mustCopy ? new Uint8Array(bytes) : bytes;
  if (!HOST_IS_LITTLE_ENDIAN) swapBytesInPlace(source, width);
  const data = new TYPED_ARRAY_CONSTRUCTORS[dtype](source.buffer, source.byteOffset, size);
  if (dtype === 'bool') checkBool(data as Uint8Array, what);
  const t = tensor(dtype, shape, data) as AnyTensor;
  if (options.allowNonFinite !== true) assertFinite(t, what);
  return t;
}

function checkExpectedShape(shape: Shape, expected: readonly (number | null)[], what: string): void {
  const wanted = formatShape(expected.map((d) => d ?? '?'));
  if (shape.length !== expected.length) {
    throw new TensorError(
      'SHAPE_MISMATCH',
      `${what} has shape ${formatShape(shape)} (rank ${shape.length}) but ${wanted} (rank ${expected.length}) was expected`,
    );
  }
  const wrong = expected.flatMap((d, i) => (d === null || d === shape[i] ? [] : [`dim ${i} is ${shape[i]}, expected ${d}`]));
  if (wrong.length > 0) {
    throw new TensorError('SHAPE_MISMATCH', `${what} has shape ${formatShape(shape)} but ${wanted} was expected: ${wrong.join(', ')}`);
  }
}
