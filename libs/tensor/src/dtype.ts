/**
 * Element types and the TypedArray that stores each one. The names are onnxruntime-common's
 * tensor type names, so an engine can hand `dtype` and `data` to ORT without translation.
 */
export interface DataTypeMap {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  /** One byte per element, 0 or 1 (ORT's and the wire's representation). */
  bool: Uint8Array;
  int8: Int8Array;
  /** IEEE 754 half precision as raw bits; see `float16ToNumber` / `numberToFloat16`. */
  float16: Uint16Array;
  // The four below exist so any ONNX model's initializers and value types load; the wire format
  // does not carry them (libs/wire refuses them by name).
  uint16: Uint16Array;
  int16: Int16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
}

/**
 * The name of an element type: `'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'int8' | 'bool' | 'float16'`
 * `| 'uint16' | 'int16' | 'uint32' | 'uint64'`. Graphs, engines and the wire all use these names; the ONNX
 * `TensorProto.DataType` codes appear only in the ONNX codec of libs/graph.
 */
export type DType = keyof DataTypeMap;

/** The TypedArray of any dtype. */
export type TypedArray = DataTypeMap[DType];

/** Constructor of the TypedArray behind dtype `D`. */
export interface TypedArrayConstructorOf<D extends DType> {
  new (length: number): DataTypeMap[D];
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): DataTypeMap[D];
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

/** Bytes per element of each dtype (also the required alignment of a view on raw bytes). */
export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = Object.freeze({
  float32: 4,
  float64: 8,
  int32: 4,
  int64: 8,
  uint8: 1,
  bool: 1,
  int8: 1,
  float16: 2,
  uint16: 2,
  int16: 2,
  uint32: 4,
  uint64: 8,
});

/** The TypedArray constructor of each dtype; a table rather than a switch so adding a dtype is one line. */
export const TYPED_ARRAY_CONSTRUCTORS: { readonly [D in DType]: TypedArrayConstructorOf<D> } = Object.freeze({
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  bool: Uint8Array,
  int8: Int8Array,
  float16: Uint16Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
});

/** Every dtype: the wire's eight in wire-enum order, then the ONNX-only integer types. */
export const DTYPES: readonly DType[] = Object.freeze(Object.keys(BYTES_PER_ELEMENT) as DType[]);

const FLOAT_DTYPES: ReadonlySet<DType> = new Set<DType>(['float32', 'float64', 'float16']);

/** True when `value` names a dtype; use on untrusted strings before indexing the tables. */
export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.hasOwn(BYTES_PER_ELEMENT, value);
}

/** True for the dtypes whose elements are `bigint` in their TypedArray (int64, uint64). */
export function isBigIntDType(dtype: DType): dtype is 'int64' | 'uint64' {
  return dtype === 'int64' || dtype === 'uint64';
}

/** True for the dtypes that can hold NaN or ±Infinity (float32, float64, float16). */
export function isFloatDType(dtype: DType): dtype is 'float32' | 'float64' | 'float16' {
  return FLOAT_DTYPES.has(dtype);
}
