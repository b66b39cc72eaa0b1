import { accept, field, reject, type Field, type FieldOptions } from './field.js';
import { checkRange, rangeText, rangeViolation } from './range.js';
import { formatQuantity, parseQuantity, quantityFromInput, type UnitTable } from './scaled-quantity.js';

/** A size as written in a schema: bytes, or a string such as `'64MiB'`. */
export type BytesInput = number | string;

/** Options for {@link bytes}; bounds and default take bytes or strings like `'4MiB'`. */
export interface BytesOptions extends FieldOptions {
  /** Size used when the variable is unset or empty; omit it to make the field optional. */
  readonly default?: BytesInput;
  /** Smallest accepted size, inclusive. */
  readonly min?: BytesInput;
  /** Largest accepted size, inclusive. */
  readonly max?: BytesInput;
}

// Binary units only: 'MB' means 10^6 to some readers and 2^20 to others, and a limit off by 5%
// is the kind of mistake that surfaces months later, so it is refused with a hint instead.
const BYTE_UNITS: UnitTable = [
  ['TiB', 2 ** 40],
  ['GiB', 2 ** 30],
  ['MiB', 2 ** 20],
  ['KiB', 2 ** 10],
  ['B', 1],
];
const DECIMAL_UNIT = /^[kmgt]b$/i;

const formatBytes = (value: number): string => formatQuantity(value, BYTE_UNITS);

/**
 * A size in whole bytes; accepts `512KiB`, `4MiB`, `1GiB`, `100B` or a plain integer number of bytes.
 * @example bytes({ env: 'MNEME_GRPC_MAX_MESSAGE_BYTES', default: '64MiB', doc: 'Largest gRPC message.' })
 * @throws ConfigSchemaError when the default or a bound is not a valid size.
 */
export function bytes(options: BytesOptions & { readonly default: BytesInput }): Field<number>;
export function bytes(options: BytesOptions): Field<number | undefined>;
export function bytes(options: BytesOptions): Field<number | undefined> {
  const { env } = options;
  const toBytes = (what: string, input: BytesInput | undefined): number | undefined =>
    input === undefined ? undefined : quantityFromInput(env, what, input, BYTE_UNITS);
  const range = { min: toBytes('min', options.min), max: toBytes('max', options.max) };
  checkRange(env, range);
  return field({
    env,
    doc: options.doc,
    sensitive: options.sensitive,
    default: toBytes('default', options.default),
    accepts: `a size such as 512KiB, 4MiB, 1GiB or integer bytes${rangeText(range, formatBytes)}`,
    format: formatBytes,
    parse: (raw) => {
      const parsed = parseQuantity(raw, BYTE_UNITS);
      if (!parsed.ok) {
        const unit = /[A-Za-z]+$/.exec(raw)?.[0] ?? '';
        return DECIMAL_UNIT.test(unit) ? reject(`'${unit}' is ambiguous; use KiB, MiB, GiB or TiB`) : parsed;
      }
      const violation = rangeViolation(parsed.value, range, formatBytes);
      return violation === undefined ? accept(parsed.value) : reject(violation);
    },
  });
}
