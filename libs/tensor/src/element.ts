import { type DType } from './dtype.js';
import { numberToFloat16 } from './float16.js';

/** The JavaScript values accepted as elements of each dtype by `fromArray` and `scalar`. */
export interface ElementTypeMap {
  float32: number;
  float64: number;
  int32: number;
  /** A bigint, or a number that is a safe integer (larger numbers have already lost digits). */
  int64: bigint | number;
  uint8: number;
  bool: boolean | number;
  int8: number;
  /** A number, rounded to the nearest half (not raw bits). */
  float16: number;
  uint16: number;
  int16: number;
  uint32: number;
  /** A bigint, or a number that is a non-negative safe integer. */
  uint64: bigint | number;
}

/** A value, or a (nested, rectangular) array of values. */
export type NestedArray<T> = T | readonly NestedArray<T>[];

/** How one dtype turns an input value into the stored element; `undefined` means not representable. */
interface ElementCodec {
  readonly encode: (value: unknown) => number | bigint | undefined;
  /** Completes "<dtype> needs ..." in error messages. */
  readonly expects: string;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function integerIn(min: number, max: number): ElementCodec {
  return {
    // Typed arrays would silently wrap 256 to 0 in a Uint8Array; out-of-range is an error instead.
    encode: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : undefined),
    expects: `an integer in [${min}, ${max}]`,
  };
}

const anyNumber: ElementCodec = {
  encode: (v) => (typeof v === 'number' ? v : undefined),
  expects: 'a number',
};

/** Per-dtype element encoding; a table so a new dtype cannot be forgotten (the mapped type makes it exhaustive). */
export const ELEMENT_CODECS: { readonly [D in DType]: ElementCodec } = Object.freeze({
  float32: anyNumber,
  float64: anyNumber,
  int32: integerIn(-(2 ** 31), 2 ** 31 - 1),
  int64: {
    encode: (v) => {
      if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : undefined;
      return typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX ? v : undefined;
    },
    expects: `a bigint in [${INT64_MIN}, ${INT64_MAX}] or a safe integer number`,
  },
  uint8: integerIn(0, 255),
  bool: {
    encode: (v) => (v === true || v === 1 ? 1 : v === false || v === 0 ? 0 : undefined),
    expects: 'a boolean, 0 or 1',
  },
  int8: integerIn(-128, 127),
  float16: {
    encode: (v) => (typeof v === 'number' ? numberToFloat16(v) : undefined),
    expects: 'a number',
  },
  uint16: integerIn(0, 2 ** 16 - 1),
  int16: integerIn(-(2 ** 15), 2 ** 15 - 1),
  uint32: integerIn(0, 2 ** 32 - 1),
  uint64: {
    encode: (v) => {
      if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
      return typeof v === 'bigint' && v >= 0n && v <= UINT64_MAX ? v : undefined;
    },
    expects: `a bigint in [0, ${UINT64_MAX}] or a non-negative safe integer number`,
  },
});
