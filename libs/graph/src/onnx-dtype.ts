/**
 * The ONNX codec's element-type table: dtype names (libs/tensor's, used by the whole IR) ↔ ONNX
 * `TensorProto.DataType` codes. The numeric codes exist only here and in the generated protobuf
 * code; they are read when decoding TensorProto / TypeProto and dtype-valued attributes (Cast's
 * `to`, LayerNormalization's `stash_type`) and written when encoding them.
 */
import { DTYPES, type DType } from '@mneme/tensor';
import { TensorProto_DataType } from './generated/onnx/onnx.js';

/** ONNX code of each dtype; a mapped type so a dtype added to libs/tensor cannot be forgotten. */
const ONNX_CODES: { readonly [D in DType]: TensorProto_DataType } = Object.freeze({
  float32: TensorProto_DataType.FLOAT,
  uint8: TensorProto_DataType.UINT8,
  int8: TensorProto_DataType.INT8,
  uint16: TensorProto_DataType.UINT16,
  int16: TensorProto_DataType.INT16,
  int32: TensorProto_DataType.INT32,
  int64: TensorProto_DataType.INT64,
  bool: TensorProto_DataType.BOOL,
  float16: TensorProto_DataType.FLOAT16,
  float64: TensorProto_DataType.DOUBLE,
  uint32: TensorProto_DataType.UINT32,
  uint64: TensorProto_DataType.UINT64,
});

const DTYPES_BY_CODE: ReadonlyMap<number, DType> = new Map(DTYPES.map((d) => [ONNX_CODES[d], d]));

/** The ONNX `TensorProto.DataType` code of a dtype, e.g. `onnxDTypeCode('int64') === 7`. */
export function onnxDTypeCode(dtype: DType): number {
  return ONNX_CODES[dtype];
}

/**
 * The dtype of an ONNX `TensorProto.DataType` code, or `undefined` for codes mneme does not
 * support (string, bfloat16, complex, the float8 types, ...); callers raise their own error there.
 */
export function dtypeFromOnnxCode(code: number): DType | undefined {
  return DTYPES_BY_CODE.get(code);
}

/** Lists the supported element types with their codes, for error messages: `float32 (1), uint8 (2), ...`. */
export function describeOnnxDTypes(): string {
  return [...DTYPES_BY_CODE]
    .sort(([a], [b]) => a - b)
    .map(([code, name]) => `${name} (${code})`)
    .join(', ');
}
