/**
 * The safetensors byte format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of UTF-8 JSON `{name: {dtype, shape, data_offsets: [begin, end]}, ...,
 * "__metadata__"?: {string: string}}`, then the data section; offsets are relative to its start.
 */
import { InvalidArgumentError } from '@mneme/errors';
import { float16ToNumber, numberToFloat16 } from '@mneme/tensor';

/** Element types of the safetensors format, with their sizes in bytes. */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<SafetensorsDType, number>> = Object.freeze({
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
});

/** A safetensors element type name. */
export type SafetensorsDType =
  'BOOL' | 'U8' | 'I8' | 'F8_E4M3' | 'F8_E5M2' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'I64' | 'U64' | 'F64';

/** One tensor's entry in a safetensors header. */
export interface SafetensorsEntry {
  /** Tensor name, e.g. `encoder.layer.0.attention.self.query.weight`. */
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** Start of the tensor's bytes within the whole file (header included). */
  readonly byteOffset: number;
  readonly byteLength: number;
}

/** A parsed safetensors file; tensor bytes stay in the original buffer until read. */
export interface SafetensorsFile {
  /** The optional `__metadata__` string map (e.g. `{format: 'pt'}`). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Entries by name, in header order. */
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  /** The tensor's raw little-endian bytes (a view into the file buffer, no copy). */
  bytes(name: string): Uint8Array;
  /**
   * The tensor's elements as float32: F32 copied, F16 and BF16 widened exactly, F64 rounded.
   *
   * @throws InvalidArgumentError for unknown names and non-float dtypes
   */
  float32(name: string): Float32Array;
}

/** The format allows headers up to 100 MB; larger lengths mean a corrupt or non-safetensors file. */
const MAX_HEADER_BYTES = 100_000_000;
const FLOAT_DTYPES: ReadonlySet<string> = new Set(['F16', 'BF16', 'F32', 'F64']);

const isDType = (v: unknown): v is SafetensorsDType => typeof v === 'string' && Object.hasOwn(SAFETENSORS_DTYPE_BYTES, v);

/**
 * Parses a safetensors file. Every header problem (bad length, bad JSON, unknown dtype, bad shape,
 * offsets outside the data section, sizes that do not match the shape, overlapping tensors) is
 * collected and reported in one error.
 *
 * @throws InvalidArgumentError describing what is wrong with the bytes
 */
export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  const fail = (problems: string | string[]) =>
    new InvalidArgumentError((Array.isArray(problems) ? problems : [problems]).map((p) => `safetensors: ${p}`));
  if (bytes.byteLength < 8) throw fail(`file has ${bytes.byteLength} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, bytes.byteLength - 8))) {
    throw fail(
      `header length ${headerLength} exceeds the file (${bytes.byteLength - 8} bytes after the length) or the 100 MB limit; the file is truncated or not safetensors`,
    );
  }
  const dataStart = 8 + Number(headerLength);
  const dataLength = bytes.byteLength - dataStart;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (error) {
    throw fail(`header is not valid UTF-8 JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw fail('header must be a JSON object');

  const problems: string[] = [];
  const metadata: Record<string, string> = {};
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) problems.push('__metadata__ must be an object of strings');
      else {
        for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
          if (typeof v === 'string') metadata[k] = v;
          else problems.push(`__metadata__.${k} must be a string`);
        }
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null) {
      problems.push(`tensor '${name}' must be an object with dtype, shape and data_offsets`);
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    const before = problems.length;
    if (!isDType(dtype)) problems.push(`tensor '${name}' has unknown dtype ${JSON.stringify(dtype)}`);
    const shapeOk = Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0);
    if (!shapeOk) problems.push(`tensor '${name}' has shape ${JSON.stringify(shape)}; expected an array of non-negative integers`);
    const offsetsOk = Array.isArray(offsets) && offsets.length === 2 && offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0);
    if (!offsetsOk)
      problems.push(`tensor '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] non-negative integers`);
    if (problems.length > before) continue;
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((p, d) => p * d, 1);
    const want = count * SAFETENSORS_DTYPE_BYTES[dtype as SafetensorsDType];
    if (begin > end) problems.push(`tensor '${name}' has data_offsets [${begin}, ${end}] with begin after end`);
    else if (end > dataLength)
      problems.push(`tensor '${name}' ends at byte ${end} of the data section, which has only ${dataLength} bytes (file truncated?)`);
    else if (end - begin !== want) {
      problems.push(`tensor '${name}' has ${end - begin} bytes but ${dtype} [${(shape as number[]).join(', ')}] needs ${want}`);
    } else {
      entries.set(name, {
        name,
        dtype: dtype as SafetensorsDType,
        shape: [...(shape as number[])],
        byteOffset: dataStart + begin,
        byteLength: want,
      });
    }
  }
  // Overlapping tensors would alias each other's bytes; the format forbids them.
  const sorted = [...entries.values()].filter((e) => e.byteLength > 0).sort((a, b) => a.byteOffset - b.byteOffset);
  for (let i = 1; i < sorted.length; i++) {
    const [prev, cur] = [sorted[i - 1]!, sorted[i]!];
    if (cur.byteOffset < prev.byteOffset + prev.byteLength) problems.push(`tensors '${prev.name}' and '${cur.name}' overlap`);
  }
  if (problems.length > 0) throw fail(problems);

  const entry = (name: string): SafetensorsEntry => {
    const e = entries.get(name);
    if (e === undefined) throw fail(`no tensor named '${name}'`);
    return e;
  };
  return {
    metadata,
    entries,
    bytes: (name) => {
      const e = entry(name);
      return bytes.subarray(e.byteOffset, e.byteOffset + e.byteLength);
    },
    float32: (name) => {
      const e = entry(name);
      if (!FLOAT_DTYPES.has(e.dtype)) throw fail(`tensor '${name}' has dtype ${e.dtype}; only F32, F16, BF16 and F64 convert to float32`);
      return toFloat32(view, e);
    },
  };
}

// DataView reads are little-endian regardless of the host and need no alignment (the data section
// starts at 8 + header length, which writers pad to 8 but the format does not require).
function toFloat32(view: DataView, e: SafetensorsEntry): Float32Array {
  const dtype = e.dtype;
  const size = SAFETENSORS_DTYPE_BYTES[dtype];
  const n = e.byteLength / size;
  const out = new Float32Array(n);
  const base = e.byteOffset;
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(base + 4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(base + 8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = float16ToNumber(view.getUint16(base + 2 * i, true));
      break;
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(base + 2 * i, true) << 16;
      break;
    }
    default:
      break;
  }
  return out;
}

/** A tensor to write with {@link encodeSafetensors}. */
export interface SafetensorsInput {
  /** Element type to store; float32 data is narrowed for F16/BF16. @default 'F32' */
  dtype?: 'F32' | 'F16' | 'BF16';
  shape: readonly number[];
  data: Float32Array;
}

/**
 * Encodes float tensors as a safetensors file (header padded with spaces to a multiple of 8, tensors
 * in the given order). The inverse of {@link parseSafetensors}; used for tests and exports.
 *
 * @throws InvalidArgumentError when a tensor's data length does not match its shape
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, SafetensorsInput> | Readonly<Record<string, SafetensorsInput>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const list: [string, SafetensorsInput][] =
    tensors instanceof Map
      ? [...(tensors as ReadonlyMap<string, SafetensorsInput>)]
      : Object.entries(tensors as Readonly<Record<string, SafetensorsInput>>);
  const problems: string[] = [];
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  for (const [name, t] of list) {
    const count = t.shape.reduce((p, d) => p * d, 1);
    if (count !== t.data.length)
      problems.push(`tensor '${name}' has ${t.data.length} elements but shape [${t.shape.join(', ')}] needs ${count}`);
    const dtype = t.dtype ?? 'F32';
    const length = count * SAFETENSORS_DTYPE_BYTES[dtype];
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + length] };
    offset += length;
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  let at = 8 + padded;
  for (const [, t] of list) {
    const dtype = t.dtype ?? 'F32';
    for (let i = 0; i < t.data.length; i++) {
      const v = t.data[i]!;
      if (dtype === 'F32') view.setFloat32(at + 4 * i, v, true);
      else if (dtype === 'F16') view.setUint16(at + 2 * i, numberToFloat16(v), true);
      else view.setUint16(at + 2 * i, float32ToBf16Bits(v), true);
    }
    at += t.data.length * SAFETENSORS_DTYPE_BYTES[dtype];
  }
  return out;
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** float32 → bfloat16 bits, rounding to nearest even (as PyTorch does). */
function float32ToBf16Bits(v: number): number {
  scratch[0] = v;
  const bits = scratchBits[0]!;
  if (Number.isNaN(v)) return 0x7fc0;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}
