import { doubleField, floatField, lenField, varintField } from './proto-wire.test-util.js';

/**
 * The layout of a request message, read off its generated decoder: which field numbers exist and
 * what they hold. The fuzz test builds requests from it, so a new RPC or field is covered without
 * anyone writing its requests by hand.
 */
export interface MessageShape {
  readonly fields: readonly FieldShape[];
}

/** What one field holds, as far as the wire can tell. */
export type FieldKind = 'varint' | 'double' | 'float' | 'string' | 'bytes' | 'message' | 'map';

export interface FieldShape {
  readonly number: number;
  /** The property the decoder fills (for reports). */
  readonly name: string;
  readonly kind: FieldKind;
  readonly repeated: boolean;
  /** The nested message's shape (`message`), or the map's value shape (`map` with message values). */
  readonly message?: MessageShape;
  /** A map's value kind (keys are strings in every mneme proto). */
  readonly mapValue?: 'string' | 'message' | 'varint';
}

/** Decodes a message from its bytes (a generated definition's `requestDeserialize`). */
export type Decoder = (bytes: Buffer) => unknown;

/** How to reach a nested message from the top: wrap its bytes, and find its decoded value. */
interface Path {
  wrap(inner: Buffer): Buffer;
  pick(decoded: unknown): unknown;
}

// No mneme message has more fields than this; a field number past it would simply not be fuzzed.
const MAX_FIELD = 16;
const MAX_DEPTH = 5;

/** Infers the shape of the message `decode` reads by decoding one probe field at a time. */
export function inferShape(decode: Decoder): MessageShape {
  return shapeAt(decode, { wrap: (b) => b, pick: (d) => d }, 0);
}

function tryDecode(decode: Decoder, bytes: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: decode(bytes) };
  } catch {
    return { ok: false };
  }
}

/** The single property a probe changed against the empty message, with oneof cases unwrapped. */
function changed(before: unknown, after: unknown): { name: string; value: unknown; wasUndefined: boolean } | undefined {
  if (typeof before !== 'object' || before === null || typeof after !== 'object' || after === null) return undefined;
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const key of Object.keys(a)) {
    if (JSON.stringify(a[key]) === JSON.stringify(b[key]) && !(a[key] instanceof Uint8Array)) continue;
    if (a[key] instanceof Uint8Array && b[key] instanceof Uint8Array && a[key].length === b[key].length) continue;
    const value = a[key];
    const oneof = asOneof(value);
    return { name: oneof ? `${key}.${oneof.$case}` : key, value: oneof ? oneof.value : value, wasUndefined: b[key] === undefined };
  }
  return undefined;
}

/** A ts-proto oneof (`{ $case, value }`), or undefined for any other value. */
function asOneof(value: unknown): { $case: string; value: unknown } | undefined {
  return typeof value === 'object' && value !== null && '$case' in value
    ? (value as unknown as { $case: string; value: unknown })
    : undefined;
}

function unwrapOneof(value: unknown): unknown {
  return asOneof(value)?.value ?? value;
}

function shapeAt(decode: Decoder, path: Path, depth: number): MessageShape {
  const empty = tryDecode(decode, path.wrap(Buffer.alloc(0)));
  if (!empty.ok) return { fields: [] };
  const base = path.pick(empty.value);
  const fields: FieldShape[] = [];
  for (let n = 1; n <= MAX_FIELD; n++) {
    const field = probeField(decode, path, base, n, depth);
    if (field !== undefined) fields.push(field);
  }
  return { fields };
}

function probeField(decode: Decoder, path: Path, base: unknown, n: number, depth: number): FieldShape | undefined {
  const probe = (bytes: Buffer) => {
    const r = tryDecode(decode, path.wrap(bytes));
    return r.ok ? changed(base, path.pick(r.value)) : undefined;
  };
  const scalar = (kind: FieldKind, hit: { name: string; value: unknown }): FieldShape => ({
    number: n,
    name: hit.name,
    kind,
    repeated: Array.isArray(hit.value),
  });
  const text = probe(lenField(n, Buffer.from('a')));
  if (text !== undefined) {
    const v = Array.isArray(text.value) ? text.value[0] : text.value;
    if (typeof v === 'string') return scalar('string', text);
    if (v instanceof Uint8Array) return scalar('bytes', text);
    // Packed numbers: 'a' is the varint 97.
    if (typeof v === 'number') return scalar('varint', text);
  }
  const asVarint = probe(varintField(n, 3));
  if (asVarint !== undefined) return scalar('varint', asVarint);
  const asDouble = probe(doubleField(n, 1.5));
  if (asDouble !== undefined) return scalar('double', asDouble);
  const asFloat = probe(floatField(n, 1.5));
  if (asFloat !== undefined) return scalar('float', asFloat);
  // An empty sub-message: a message field turns from undefined into an object, a map gains an entry.
  const sub = probe(lenField(n, Buffer.alloc(0)));
  const mapHit = probe(lenField(n, Buffer.concat([lenField(1, Buffer.from('k')), lenField(2, Buffer.alloc(0))])));
  if (
    mapHit !== undefined &&
    !Array.isArray(mapHit.value) &&
    typeof mapHit.value === 'object' &&
    mapHit.value !== null &&
    'k' in mapHit.value &&
    !mapHit.wasUndefined
  ) {
    return mapField(decode, path, n, mapHit.name, depth);
  }
  const hit = sub ?? mapHit;
  if (hit === undefined) return undefined;
  const repeated = Array.isArray(hit.value);
  if (depth >= MAX_DEPTH) return { number: n, name: hit.name, kind: 'message', repeated, message: { fields: [] } };
  const key = hit.name.split('.')[0]!;
  const child: Path = {
    wrap: (inner) => path.wrap(lenField(n, inner)),
    pick: (d) => {
      const v = unwrapOneof((path.pick(d) as Record<string, unknown> | undefined)?.[key]);
      return Array.isArray(v) ? v[0] : v;
    },
  };
  return { number: n, name: hit.name, kind: 'message', repeated, message: shapeAt(decode, child, depth + 1) };
}

/** A map field: string keys; the value kind is probed through an entry keyed 'k'. */
function mapField(decode: Decoder, path: Path, n: number, name: string, depth: number): FieldShape {
  const entry = (value: Buffer) => path.wrap(lenField(n, Buffer.concat([lenField(1, Buffer.from('k')), value])));
  const valueOf = (bytes: Buffer) => {
    const r = tryDecode(decode, bytes);
    return r.ok ? (path.pick(r.value) as Record<string, Record<string, unknown>> | undefined)?.[name]?.['k'] : undefined;
  };
  if (typeof valueOf(entry(lenField(2, Buffer.from('a')))) === 'string')
    return { number: n, name, kind: 'map', repeated: true, mapValue: 'string' };
  if (typeof valueOf(entry(varintField(2, 3))) === 'number') return { number: n, name, kind: 'map', repeated: true, mapValue: 'varint' };
  const valuePath: Path = {
    wrap: (inner) => entry(lenField(2, inner)),
    pick: (d) => (path.pick(d) as Record<string, Record<string, unknown>> | undefined)?.[name]?.['k'],
  };
  return {
    number: n,
    name,
    kind: 'map',
    repeated: true,
    mapValue: 'message',
    message: depth >= MAX_DEPTH ? { fields: [] } : shapeAt(decode, valuePath, depth + 1),
  };
}
