/**
 * Element types: ONNX `TensorProto.DataType` codes, their names and their typed-array storage, in one
 * frozen table so codecs, builders and shape rules never switch on dtypes themselves.
 */
import { GraphError, ModelFormatError } from './errors.js';

/** ONNX `TensorProto.DataType` codes of the element types mneme supports, by name. */
export const DType = Object.freeze({
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
} as const);

/** A supported ONNX element type code (the value of `TensorProto.DataType`). */
export type DType = (typeof DType)[keyof typeof DType];

/** Name of a supported element type (`'float32'`, `'int64'`, ...). */
export type DTypeName = keyof typeof DType;

/** Typed-array storage for each element type; float16 is kept as raw IEEE half bits. */
export interface DTypeArrayMap {
  1: Float32Array;
  2: Uint8Array;
  3: Int8Array;
  4: Uint16Array;
  5: Int16Array;
  6: Int32Array;
  7: BigInt64Array;
  9: Uint8Array;
  10: Uint16Array;
  11: Float64Array;
  12: Uint32Array;
  13: BigUint64Array;
}

/** Typed array holding the elements of a tensor of dtype `D`. */
export type TensorData<D extends DType = DType> = DTypeArrayMap[D];

/** What the table knows about one element type. */
export interface DTypeInfo {
  /** Short lower-case name, e.g. `'float32'`. */
  readonly name: DTypeName;
  /** ONNX data type code. */
  readonly code: DType;
  /** Bytes per element in ONNX raw data (little-endian). */
  readonly byteSize: number;
  /** Whether the element is a floating-point number. */
  readonly isFloat: boolean;
  /** Whether elements are `bigint` in the typed array (64-bit integers). */
  readonly isBigInt: boolean;
  /** Constructor of the typed array that stores elements. */
  readonly array: { new (length: number): TensorData; new (buffer: ArrayBuffer, byteOffset: number, length: number): TensorData };
}

const info = (name: DTypeName, byteSize: number, isFloat: boolean, array: DTypeInfo['array']): DTypeInfo =>
  Object.freeze({ name, code: DType[name], byteSize, isFloat, isBigInt: array === BigInt64Array || array === BigUint64Array, array });

/** The one dtype table: code → name, element size, storage. */
export const DTYPES: Readonly<Record<DType, DTypeInfo>> = Object.freeze({
  [DType.float32]: info('float32', 4, true, Float32Array),
  [DType.uint8]: info('uint8', 1, false, Uint8Array),
  [DType.int8]: info('int8', 1, false, Int8Array),
  [DType.uint16]: info('uint16', 2, false, Uint16Array),
  [DType.int16]: info('int16', 2, false, Int16Array),
  [DType.int32]: info('int32', 4, false, Int32Array),
  [DType.int64]: info('int64', 8, false, BigInt64Array),
  [DType.bool]: info('bool', 1, false, Uint8Array),
  [DType.float16]: info('float16', 2, true, Uint16Array),
  [DType.float64]: info('float64', 8, true, Float64Array),
  [DType.uint32]: info('uint32', 4, false, Uint32Array),
  [DType.uint64]: info('uint64', 8, false, BigUint64Array),
});

/** Whether `code` is a supported ONNX element type. */
export function isDType(code: number): code is DType {
  return Object.prototype.hasOwnProperty.call(DTYPES, code);
}

/** Table entry for a dtype; throws a `ModelFormatError` for codes outside the table. */
export function dtypeInfo(code: number): DTypeInfo {
  if (!isDType(code)) {
    throw new ModelFormatError(`Unsupported ONNX element type ${code}; supported: ${Object.keys(DType).join(', ')}`);
  }
  return DTYPES[code];
}

/** Name of a dtype code, e.g. `dtypeName(1) === 'float32'`. */
export function dtypeName(code: number): DTypeName {
  return dtypeInfo(code).name;
}

/** Dtype code for a name, e.g. `dtypeFromName('int64') === 7`; throws for unknown names. */
export function dtypeFromName(name: string): DType {
  if (!Object.prototype.hasOwnProperty.call(DType, name)) {
    throw new GraphError(`Unknown dtype name '${name}'; known: ${Object.keys(DType).join(', ')}`, 'dtype', { kind: 'invalid-argument' });
  }
  return DType[name as DTypeName];
}
