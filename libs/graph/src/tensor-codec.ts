/** TensorProto ↔ libs/tensor `Tensor`, reading every ONNX storage form and writing little-endian raw data. */
import {
  BYTES_PER_ELEMENT,
  HOST_IS_LITTLE_ENDIAN,
  isBigIntDType,
  tensor,
  TensorError,
  TYPED_ARRAY_CONSTRUCTORS,
  type DType,
  type Tensor,
  type TypedArray,
} from '@mneme/tensor';
import { ModelFormatError } from './errors.js';
import { TensorProto, TensorProto_DataLocation } from './generated/onnx/onnx.js';
import { int64ToNumber } from './int64.js';
import { describeOnnxDTypes, dtypeFromOnnxCode, onnxDTypeCode } from './onnx-dtype.js';
import { elementCount } from './tensor-value.js';

/** Where external bytes of one tensor live, as written in `TensorProto.external_data`. */
export interface ExternalDataRef {
  /** Path of the data file relative to the model file's directory. */
  location: string;
  /** Byte offset into the file. @default 0 */
  offset: number;
  /** Number of bytes; `undefined` means up to the end of the file. */
  length?: number | undefined;
}

/** Reads the bytes of an externally stored tensor. */
export type ExternalDataResolver = (ref: ExternalDataRef, tensorName: string) => Uint8Array;

// Raw data is little-endian by the ONNX spec; typed arrays use host order, so big-endian hosts are refused.

/** Copies little-endian bytes into a fresh, aligned typed array of `dtype`. */
export function tensorDataFromBytes(dtype: DType, bytes: Uint8Array, count: number, tensorName: string): TypedArray {
  if (!HOST_IS_LITTLE_ENDIAN) throw new ModelFormatError('Big-endian hosts are not supported');
  const width = BYTES_PER_ELEMENT[dtype];
  if (bytes.byteLength !== count * width) {
    throw new ModelFormatError(
      `Tensor '${tensorName}' has ${bytes.byteLength} data bytes, expected ${count} × ${width} = ${count * width}`,
    );
  }
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return new TYPED_ARRAY_CONSTRUCTORS[dtype](buffer, 0, count);
}

/** The little-endian bytes of a tensor's data (a view, not a copy). */
export function tensorBytes(value: Tensor): Uint8Array {
  if (!HOST_IS_LITTLE_ENDIAN) throw new ModelFormatError('Big-endian hosts are not supported');
  return new Uint8Array(value.data.buffer, value.data.byteOffset, value.data.byteLength);
}

function parseExternal(proto: TensorProto, name: string): ExternalDataRef {
  const entries = new Map(proto.externalData.map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (location === undefined || location === '') {
    throw new ModelFormatError(`External tensor '${name}' has no 'location' entry`);
  }
  const num = (key: string): number | undefined => {
    const text = entries.get(key);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0) throw new ModelFormatError(`External tensor '${name}' has invalid ${key} '${text}'`);
    return value;
  };
  return { location, offset: num('offset') ?? 0, length: num('length') };
}

/** Fills a typed array from one of TensorProto's repeated typed fields. */
function fromTypedField(dtype: DType, proto: TensorProto, count: number, name: string): TypedArray {
  let source: ArrayLike<number | bigint>;
  switch (dtype) {
    case 'float32':
      source = proto.floatData;
      break;
    case 'float64':
      source = proto.doubleData;
      break;
    case 'int64':
      source = proto.int64Data;
      break;
    case 'uint32':
    case 'uint64':
      source = proto.uint64Data;
      break;
    default:
      // int32, int16, int8, uint16, uint8, bool and float16 bits all travel in int32_data.
      source = proto.int32Data;
  }
  if (source.length !== count) {
    throw new ModelFormatError(`Tensor '${name}' holds ${source.length} elements, its dims [${proto.dims.join(', ')}] need ${count}`);
  }
  const data = new TYPED_ARRAY_CONSTRUCTORS[dtype](count);
  const bigInts = isBigIntDType(dtype);
  for (let i = 0; i < count; i++) {
    const v = source[i]!;
    if (bigInts) (data as BigInt64Array)[i] = BigInt(v);
    else (data as Float32Array)[i] = Number(v);
  }
  return data;
}

/** Converts a TensorProto, resolving external data with `resolveExternal` when it is used. */
export function tensorFromProto(proto: TensorProto, resolveExternal?: ExternalDataResolver): Tensor {
  const name = proto.name ?? '';
  const code = proto.dataType ?? 0;
  const dtype = dtypeFromOnnxCode(code);
  if (dtype === undefined)
    throw new ModelFormatError(`Tensor '${name}' has unsupported data type ${code}; supported: ${describeOnnxDTypes()}`);
  if (proto.segment !== undefined) throw new ModelFormatError(`Tensor '${name}' is segmented, which is not supported`);
  const dims = proto.dims.map(int64ToNumber);
  const badDim = dims.find((d) => !Number.isSafeInteger(d) || d < 0);
  if (badDim !== undefined) throw new ModelFormatError(`Tensor '${name}' has invalid dims [${dims.join(', ')}]: ${badDim} is not a size`);
  const count = elementCount(dims);
  let data: TypedArray;
  if (proto.dataLocation === TensorProto_DataLocation.EXTERNAL) {
    if (resolveExternal === undefined) {
      throw new ModelFormatError(`Tensor '${name}' uses external data; load the model from a file with loadModel`);
    }
    data = tensorDataFromBytes(dtype, resolveExternal(parseExternal(proto, name), name), count, name);
  } else if (proto.rawData !== undefined && (proto.rawData.byteLength > 0 || count === 0)) {
    data = tensorDataFromBytes(dtype, proto.rawData, count, name);
  } else {
    data = fromTypedField(dtype, proto, count, name);
  }
  try {
    return tensor(dtype, dims, data);
  } catch (error) {
    // e.g. a bool tensor holding a 2: report it as a bad model, naming the tensor.
    if (error instanceof TensorError) throw new ModelFormatError(`Tensor '${name}': ${error.message}`);
    throw error;
  }
}

/** Converts a tensor to a TensorProto with raw data, or with an external reference when given. */
export function tensorToProto(name: string, value: Tensor, external?: ExternalDataRef): TensorProto {
  const proto = TensorProto.create({ name, dims: value.shape.map((d) => BigInt(d)), dataType: onnxDTypeCode(value.dtype) });
  if (external === undefined) {
    proto.rawData = tensorBytes(value);
    return proto;
  }
  proto.dataLocation = TensorProto_DataLocation.EXTERNAL;
  proto.externalData = [
    { key: 'location', value: external.location },
    { key: 'offset', value: String(external.offset) },
    { key: 'length', value: String(external.length ?? value.data.byteLength) },
  ];
  return proto;
}
