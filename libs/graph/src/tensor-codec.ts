/** TensorProto ↔ TensorValue, reading every ONNX storage form and writing little-endian raw data. */
import { type DType, type TensorData, dtypeInfo, isDType } from './dtype.js';
import { ModelFormatError } from './errors.js';
import { TensorProto, TensorProto_DataLocation } from './generated/onnx/onnx.js';
import { int64ToNumber } from './int64.js';
import { elementCount, type TensorValue } from './tensor-value.js';

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

// Raw data is little-endian by the ONNX spec; typed arrays use host order, so refuse big-endian hosts.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies little-endian bytes into a fresh, aligned typed array of `dtype`. */
export function tensorDataFromBytes(dtype: DType, bytes: Uint8Array, count: number, tensorName: string): TensorData {
  if (!HOST_IS_LITTLE_ENDIAN) throw new ModelFormatError('Big-endian hosts are not supported');
  const meta = dtypeInfo(dtype);
  if (bytes.byteLength !== count * meta.byteSize) {
    throw new ModelFormatError(
      `Tensor '${tensorName}' has ${bytes.byteLength} data bytes, expected ${count} × ${meta.byteSize} = ${count * meta.byteSize}`,
    );
  }
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return new meta.array(buffer, 0, count);
}

/** The little-endian bytes of a tensor's data (a view, not a copy). */
export function tensorBytes(tensor: TensorValue): Uint8Array {
  if (!HOST_IS_LITTLE_ENDIAN) throw new ModelFormatError('Big-endian hosts are not supported');
  return new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
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
function fromTypedField(dtype: DType, proto: TensorProto, count: number, name: string): TensorData {
  const meta = dtypeInfo(dtype);
  let source: ArrayLike<number | bigint>;
  switch (meta.name) {
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
  const data = new meta.array(count);
  for (let i = 0; i < count; i++) {
    const v = source[i]!;
    if (meta.isBigInt) (data as BigInt64Array)[i] = BigInt(v);
    else (data as Float32Array)[i] = Number(v);
  }
  return data;
}

/** Converts a TensorProto, resolving external data with `resolveExternal` when it is used. */
export function tensorFromProto(proto: TensorProto, resolveExternal?: ExternalDataResolver): TensorValue {
  const name = proto.name ?? '';
  const code = proto.dataType ?? 0;
  if (!isDType(code)) throw new ModelFormatError(`Tensor '${name}' has unsupported data type ${code}`);
  if (proto.segment !== undefined) throw new ModelFormatError(`Tensor '${name}' is segmented, which is not supported`);
  const dims = proto.dims.map(int64ToNumber);
  const count = elementCount(dims);
  let data: TensorData;
  if (proto.dataLocation === TensorProto_DataLocation.EXTERNAL) {
    if (resolveExternal === undefined) {
      throw new ModelFormatError(`Tensor '${name}' uses external data; load the model from a file with loadModel`);
    }
    data = tensorDataFromBytes(code, resolveExternal(parseExternal(proto, name), name), count, name);
  } else if (proto.rawData !== undefined && (proto.rawData.byteLength > 0 || count === 0)) {
    data = tensorDataFromBytes(code, proto.rawData, count, name);
  } else {
    data = fromTypedField(code, proto, count, name);
  }
  return { dtype: code, shape: dims, data };
}

/** Converts a tensor to a TensorProto with raw data, or with an external reference when given. */
export function tensorToProto(name: string, tensor: TensorValue, external?: ExternalDataRef): TensorProto {
  const proto = TensorProto.create({ name, dims: tensor.shape.map((d) => BigInt(d)), dataType: tensor.dtype });
  if (external === undefined) {
    proto.rawData = tensorBytes(tensor);
    return proto;
  }
  proto.dataLocation = TensorProto_DataLocation.EXTERNAL;
  proto.externalData = [
    { key: 'location', value: external.location },
    { key: 'offset', value: String(external.offset) },
    { key: 'length', value: String(external.length ?? tensor.data.byteLength) },
  ];
  return proto;
}
