// IEEE 754 binary16 <-> number. Node 20 has neither Float16Array nor Math.f16round, and float16
// tensors travel as raw Uint16 bits (as in ORT), so encoding lives here.

const TWO_POW_24 = 2 ** 24;
/** Smallest normal half (2^-14); below it values are subnormal multiples of 2^-24. */
const MIN_NORMAL = 2 ** -14;
/** Halfway between the largest half (65504) and 2^16: from here on values round to Infinity. */
const OVERFLOW = 65520;

/**
 * Decodes raw float16 bits to a number (exact: every half is a double).
 *
 * @param bits an integer in [0, 0xffff]; higher bits are ignored
 */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (0x400 + mantissa) * 2 ** (exponent - 25);
}

/**
 * Encodes a number as float16 bits, rounding to nearest with ties to even directly from the
 * double (going through float32 first would round twice and be off by one ulp in rare cases).
 * Values beyond the half range become ±Infinity; NaN becomes the quiet NaN 0x7e00.
 */
export function numberToFloat16(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const abs = Math.abs(value);
  if (abs >= OVERFLOW) return sign | 0x7c00;
  if (abs < MIN_NORMAL) {
    // Scaling by a power of two is exact; a result of 0x400 is correctly the smallest normal.
    return sign | roundHalfEven(abs * TWO_POW_24);
  }
  let exponent = Math.floor(Math.log2(abs));
  // Math.log2 may be off by one ulp next to powers of two; correct it exactly.
  if (2 ** exponent > abs) exponent--;
  else if (2 ** (exponent + 1) <= abs) exponent++;
  let mantissa = roundHalfEven(abs * 2 ** (10 - exponent));
  if (mantissa === 0x800) {
    exponent++;
    mantissa = 0x400;
  }
  return sign | ((exponent + 15) << 10) | (mantissa - 0x400);
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
