/**
 * Distilled sets as versioned artefacts: the synthetic samples learned for one closed experience,
 * with what produced them, and a self-describing byte format (a JSON header, then raw float32
 * little-endian data) that adapters write to disk or object stores. Pure: no file I/O here.
 */
import { InvalidArgumentError } from '@mneme/errors';

/** How a distilled set was made. */
export type DistillMethod = 'second-order' | 'first-order' | 'gradient-matching';

/** Where a replay set came from: a distillation method, or random real samples at the same budget. */
export type DistilledSetSource = DistillMethod | 'random-real';

/** A float32 array with its shape (row-major). */
export interface ShapedFloats {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** Synthetic samples for one experience: a versioned artefact and a replay source. */
export interface DistilledSet {
  /** Index of the experience the set summarises. */
  readonly experience: number;
  /** Version of this experience's set (re-distilling bumps it). */
  readonly version: number;
  readonly method: DistilledSetSource;
  /** The settings and model that produced it (JSON-safe), for provenance. */
  readonly spec: Readonly<Record<string, string | number | boolean>>;
  /** Class index of each synthetic sample. */
  readonly labels: Int32Array;
  /** The learned samples in their own space: pixels, features, or token-embedding sequences. */
  readonly inputs: ShapedFloats;
  /**
   * The samples as the classifier sees them (after a frozen feature map, e.g. a text encoder);
   * absent when the inputs are the classifier's features already.
   */
  readonly features?: ShapedFloats;
  /** The learned inner learning rate (the initial one for methods that do not learn it). */
  readonly lr: number;
  /** ISO-8601 creation time. */
  readonly created: string;
}

/** The magic bytes of the distilled-set format ("MNDS") and its version. */
export const DISTILLED_SET_FORMAT = Object.freeze({ magic: 0x53444e4d, version: 1 });

interface Header {
  format: number;
  experience: number;
  version: number;
  method: DistilledSetSource;
  spec: Record<string, string | number | boolean>;
  labels: number[];
  lr: number;
  created: string;
  inputsShape: number[];
  featuresShape: number[] | null;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/**
 * Checks a set's internal consistency (shapes against data, one label per sample, finite values).
 *
 * @throws InvalidArgumentError listing every problem
 */
export function checkDistilledSet(set: DistilledSet): DistilledSet {
  const problems: string[] = [];
  const n = set.labels.length;
  for (const [name, part] of [['inputs', set.inputs] as const, ['features', set.features] as const]) {
    if (part === undefined) continue;
    if (part.shape.some((d) => !Number.isInteger(d) || d < 0))
      problems.push(`${name} shape [${part.shape.join(', ')}] must be non-negative integers`);
    else if (sizeOf(part.shape) !== part.data.length)
      problems.push(`${name} hold ${part.data.length} values but shape [${part.shape.join(', ')}] needs ${sizeOf(part.shape)}`);
    if (part.shape[0] !== n) problems.push(`${name} have ${part.shape[0]} rows for ${n} labels`);
    if (part.data.some((v) => !Number.isFinite(v))) problems.push(`${name} hold a non-finite value`);
  }
  if (!Number.isInteger(set.experience) || set.experience < 0)
    problems.push(`experience must be a non-negative integer, got ${set.experience}`);
  if (!Number.isInteger(set.version) || set.version < 1) problems.push(`version must be a positive integer, got ${set.version}`);
  if (!Number.isFinite(set.lr)) problems.push(`lr must be finite, got ${set.lr}`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return set;
}

/**
 * Encodes a set as bytes: magic u32, header length u32, UTF-8 JSON header padded to 4 bytes, then
 * the inputs and (when present) the features as float32 little-endian.
 */
export function distilledSetToBytes(set: DistilledSet): Uint8Array {
  checkDistilledSet(set);
  const header: Header = {
    format: DISTILLED_SET_FORMAT.version,
    experience: set.experience,
    version: set.version,
    method: set.method,
    spec: { ...set.spec },
    labels: Array.from(set.labels),
    lr: set.lr,
    created: set.created,
    inputsShape: [...set.inputs.shape],
    featuresShape: set.features === undefined ? null : [...set.features.shape],
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = Math.ceil(json.length / 4) * 4;
  const floats = set.inputs.data.length + (set.features?.data.length ?? 0);
  const out = new Uint8Array(8 + headerBytes + floats * 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, DISTILLED_SET_FORMAT.magic, true);
  view.setUint32(4, json.length, true);
  out.fill(0x20, 8, 8 + headerBytes);
  out.set(json, 8);
  let offset = 8 + headerBytes;
  for (const part of [set.inputs.data, set.features?.data ?? new Float32Array(0)]) {
    for (let i = 0; i < part.length; i++) view.setFloat32(offset + i * 4, part[i]!, true);
    offset += part.length * 4;
  }
  return out;
}

/**
 * Decodes {@link distilledSetToBytes}' output.
 *
 * @throws InvalidArgumentError when the bytes are not a distilled set of a known format version
 */
export function distilledSetFromBytes(bytes: Uint8Array): DistilledSet {
  if (bytes.length < 8) throw new InvalidArgumentError(`a distilled set needs at least 8 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== DISTILLED_SET_FORMAT.magic) throw new InvalidArgumentError('not a distilled set: bad magic bytes');
  const length = view.getUint32(4, true);
  if (8 + length > bytes.length)
    throw new InvalidArgumentError(`distilled set header of ${length} bytes overruns the ${bytes.length}-byte buffer`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Header;
  } catch (e) {
    throw new InvalidArgumentError(`distilled set header is not JSON: ${(e as Error).message}`);
  }
  if (header.format !== DISTILLED_SET_FORMAT.version) {
    throw new InvalidArgumentError(
      `distilled set format ${header.format} is not supported (this build reads ${DISTILLED_SET_FORMAT.version})`,
    );
  }
  let offset = 8 + Math.ceil(length / 4) * 4;
  const read = (shape: readonly number[]): Float32Array => {
    const n = sizeOf(shape);
    if (offset + n * 4 > bytes.length)
      throw new InvalidArgumentError(`distilled set data is truncated: need ${n} floats at byte ${offset}`);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(offset + i * 4, true);
    offset += n * 4;
    return out;
  };
  const inputs = { data: read(header.inputsShape), shape: header.inputsShape };
  const features = header.featuresShape === null ? undefined : { data: read(header.featuresShape), shape: header.featuresShape };
  return checkDistilledSet({
    experience: header.experience,
    version: header.version,
    method: header.method,
    spec: header.spec,
    labels: Int32Array.from(header.labels),
    inputs,
    ...(features === undefined ? {} : { features }),
    lr: header.lr,
    created: header.created,
  });
}
