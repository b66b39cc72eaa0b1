/** Conversions between protobuf int64 (bigint) and the IR's JavaScript numbers. */

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * int64 → number. Beyond ±2^53 precision is lost, which only touches sentinels such as INT64_MAX
 * (Slice "to the end"); `numberToInt64` maps those back exactly.
 */
export function int64ToNumber(value: bigint): number {
  return Number(value);
}

/** number → int64, clamping to the int64 range so `Number(INT64_MAX)` (= 2^63) round-trips. */
export function numberToInt64(value: number): bigint {
  if (!Number.isFinite(value)) return value > 0 ? INT64_MAX : INT64_MIN;
  const b = BigInt(Math.trunc(value));
  if (b > INT64_MAX) return INT64_MAX;
  if (b < INT64_MIN) return INT64_MIN;
  return b;
}
