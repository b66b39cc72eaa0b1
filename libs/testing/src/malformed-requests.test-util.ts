import type { FieldShape, MessageShape } from './proto-shape.test-util.js';
import { doubleField, floatField, lenField, tag, varint, varintField, WireType } from './proto-wire.test-util.js';

/** One malformed request: its bytes and what kind of malformation it is (for failure reports). */
export interface MalformedRequest {
  readonly kind: string;
  readonly bytes: Buffer;
}

/** Options of {@link malformedRequests}. */
export interface MalformedOptions {
  /** Ids that exist in the stack under test, so that some requests get past the not-found checks. */
  readonly knownIds?: readonly string[];
  /** Other strings the services understand (bases, strategy names, labels), to reach past the first checks. */
  readonly words?: readonly string[];
  /** Largest string or bytes value, in bytes. @default 256 KiB */
  readonly maxBlob?: number;
}

// Values chosen to sit on or past a boundary: sizes, signs, 32/53/64-bit edges.
const VARINTS: readonly bigint[] = [
  0n,
  1n,
  2n,
  3n,
  7n,
  100n,
  4096n,
  100_000n,
  2n ** 31n - 1n,
  2n ** 32n - 1n,
  2n ** 53n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
];
const DOUBLES: readonly number[] = [Number.NaN, Infinity, -Infinity, -0, -1, 0, 1e308, 5e-324, 0.01, 1, 1e9];
const PATHS: readonly string[] = [
  '.',
  '..',
  '../..',
  '../../etc/passwd',
  'a/b',
  'a\\b',
  '%2e%2e',
  '\u0000',
  'CON',
  '.hidden',
  '-x',
  'UPPER',
  'ü',
  ' ',
  '',
];
// Counts of a repeated field: none, a few, and one past the usual 10,000 limits.
const REPEATS: readonly number[] = [0, 1, 2, 3, 17, 10_001];

/**
 * `count` malformed requests for a message of `shape`, the same for the same `seed`: the empty
 * message, random bytes, truncated and wrong-wire-type encodings, and structured messages whose
 * fields hold boundary numbers, NaN, path-shaped or oversize strings and long repeated fields.
 */
export function* malformedRequests(
  shape: MessageShape,
  count: number,
  seed: number,
  options: MalformedOptions = {},
): Generator<MalformedRequest> {
  // Made one at a time, as the caller sends them: a fuzzer sharing the process with the server
  // must not stall its event loop building every request up front.
  const rng = new Rng(seed);
  const gen = new RequestBuilder(rng, options);
  const makers: readonly (() => MalformedRequest)[] = [
    () => ({ kind: 'random-bytes', bytes: gen.randomBytes(between(rng, 1, 2048)) }),
    () => {
      const whole = gen.message(shape, 0, 0);
      return { kind: 'truncated', bytes: whole.subarray(0, Math.max(1, between(rng, 0, whole.length))) };
    },
    () => ({ kind: 'wrong-wire-types', bytes: gen.message(shape, 0, 0.5) }),
    () => ({ kind: 'structured', bytes: gen.message(shape, 0, 0) }),
    () => ({ kind: 'structured', bytes: gen.message(shape, 0, 0.05) }),
  ];
  if (count > 0) yield { kind: 'empty', bytes: Buffer.alloc(0) };
  for (let i = 1; i < count; i++) yield makers[i % makers.length]!();
}

/**
 * A small seeded generator (mulberry32): the fuzz cases only need to be reproducible from the
 * printed seed, not statistically strong.
 */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** A uniform integer in [lo, hi]. */
function between(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

class RequestBuilder {
  private readonly maxBlob: number;
  private readonly knownIds: readonly string[];

  constructor(
    private readonly rng: Rng,
    options: MalformedOptions,
  ) {
    this.maxBlob = options.maxBlob ?? 256 * 1024;
    this.knownIds = [...(options.knownIds ?? []), ...(options.words ?? [])];
  }

  randomBytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    // Four bytes per draw: oversize blobs are made often enough for speed to matter.
    for (let i = 0; i < n; i += 4) {
      const word = Math.floor(this.rng.next() * 2 ** 32);
      for (let k = 0; k < 4 && i + k < n; k++) b[i + k] = (word >>> (8 * k)) & 0xff;
    }
    return b;
  }

  /** A message of `shape`; each field is left out, set once, or repeated, with a `wrongType` chance of a mismatched wire type. */
  message(shape: MessageShape, depth: number, wrongType: number): Buffer {
    const parts: Buffer[] = [];
    let budget = this.maxBlob * 4;
    for (const field of shape.fields) {
      if (this.rng.next() < 0.3) continue;
      const n = field.repeated ? this.pick(REPEATS) : 1;
      // Deep or wide repeats are capped so that one request stays a few MiB at most.
      const times = field.kind === 'message' || field.kind === 'map' ? Math.min(n, depth === 0 ? n : 20) : n;
      for (let i = 0; i < times && budget > 0; i++) {
        const part = this.rng.next() < wrongType ? this.wrongType(field) : this.value(field, depth, wrongType);
        budget -= part.length;
        parts.push(part);
      }
    }
    return Buffer.concat(parts);
  }

  private pick<T>(items: readonly T[]): T {
    return items[between(this.rng, 0, items.length - 1)]!;
  }

  private value(field: FieldShape, depth: number, wrongType: number): Buffer {
    switch (field.kind) {
      case 'varint':
        return varintField(field.number, this.varintValue());
      case 'double':
        return doubleField(field.number, this.pick(DOUBLES));
      case 'float':
        return floatField(field.number, this.pick(DOUBLES));
      case 'string':
        return lenField(field.number, Buffer.from(this.text()));
      case 'bytes':
        return lenField(field.number, this.blob());
      case 'message':
        return lenField(field.number, depth > 6 ? Buffer.alloc(0) : this.message(field.message ?? { fields: [] }, depth + 1, wrongType));
      case 'map': {
        const value =
          field.mapValue === 'string'
            ? lenField(2, Buffer.from(this.text()))
            : field.mapValue === 'varint'
              ? varintField(2, this.varintValue())
              : lenField(2, this.message(field.message ?? { fields: [] }, depth + 1, wrongType));
        return lenField(field.number, Buffer.concat([lenField(1, Buffer.from(this.text())), value]));
      }
    }
  }

  private varintValue(): bigint {
    return this.rng.next() < 0.8 ? this.pick(VARINTS) : BigInt(between(this.rng, 0, 2 ** 31 - 1));
  }

  /** Ids that exist, path-shaped ids, long and oversize strings, invalid UTF-8 and plain words. */
  private text(): string {
    const r = this.rng.next();
    if (r < 0.3 && this.knownIds.length > 0) return this.pick(this.knownIds);
    if (r < 0.5) return this.pick(PATHS);
    if (r < 0.6) return 'x'.repeat(this.pick([63, 64, 65, 255, 256, 257, 4097]));
    if (r < 0.65) return 'y'.repeat(between(this.rng, 1, this.maxBlob));
    if (r < 0.7) return '\ud800\udfff\ufffd'.repeat(between(this.rng, 1, 50));
    return `w${between(this.rng, 0, 999)}`;
  }

  /** Bytes of a random length, sometimes a whole number of float32 values, sometimes oversize. */
  private blob(): Buffer {
    const r = this.rng.next();
    if (r < 0.4) return Buffer.from(new Float32Array(this.pick([1, 2, 4, 10, 784])).map(() => this.rng.next()).buffer);
    if (r < 0.5) return Buffer.from(new Float32Array([Number.NaN, Infinity, 1, 2]).buffer);
    if (r < 0.6) return this.randomBytes(between(this.rng, 0, this.maxBlob));
    return this.randomBytes(between(this.rng, 0, 64));
  }

  /** The field written with a wire type its decoder does not expect. */
  private wrongType(field: FieldShape): Buffer {
    const expected =
      field.kind === 'varint'
        ? WireType.varint
        : field.kind === 'double'
          ? WireType.fixed64
          : field.kind === 'float'
            ? WireType.fixed32
            : WireType.len;
    const others = [WireType.varint, WireType.fixed64, WireType.len, WireType.fixed32].filter((t) => t !== expected);
    const type = this.pick(others);
    const payload =
      type === WireType.varint
        ? varint(this.varintValue())
        : type === WireType.fixed64
          ? this.randomBytes(8)
          : type === WireType.fixed32
            ? this.randomBytes(4)
            : Buffer.concat([varint(3), this.randomBytes(3)]);
    return Buffer.concat([tag(field.number, type), payload]);
  }
}
