/**
 * Hand-rolled protobuf wire encoding, for building requests a well-behaved encoder never writes
 * (wrong wire types, out-of-range varints, NaN doubles, truncated fields).
 */

/** The four wire types a field can be written with (groups are obsolete and left out). */
export const WireType = { varint: 0, fixed64: 1, len: 2, fixed32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** A varint of any unsigned 64-bit value (negative numbers are written as their two's complement, as protobuf does). */
export function varint(value: bigint | number): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? byte : byte | 0x80);
  } while (v !== 0n);
  return Buffer.from(out);
}

/** The key of a field: its number and wire type. */
export function tag(field: number, type: WireType): Buffer {
  return varint((BigInt(field) << 3n) | BigInt(type));
}

/** A length-delimited field (string, bytes, message, packed repeated). */
export function lenField(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([tag(field, WireType.len), varint(payload.length), payload]);
}

/** A varint field. */
export function varintField(field: number, value: bigint | number): Buffer {
  return Buffer.concat([tag(field, WireType.varint), varint(value)]);
}

/** A 64-bit field holding a double. */
export function doubleField(field: number, value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(value);
  return Buffer.concat([tag(field, WireType.fixed64), b]);
}

/** A 32-bit field holding a float. */
export function floatField(field: number, value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatLE(value);
  return Buffer.concat([tag(field, WireType.fixed32), b]);
}
