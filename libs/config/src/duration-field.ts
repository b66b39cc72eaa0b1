import { accept, field, reject, type Field, type FieldOptions } from './field.js';
import { checkRange, rangeText, rangeViolation } from './range.js';
import { formatQuantity, parseQuantity, quantityFromInput, type UnitTable } from './scaled-quantity.js';

/** A duration as written in a schema: milliseconds, or a string such as `'30s'`. */
export type DurationInput = number | string;

/** Options for {@link duration}; bounds and default take milliseconds or strings like `'30s'`. */
export interface DurationOptions extends FieldOptions {
  /** Duration used when the variable is unset or empty; omit it to make the field optional. */
  readonly default?: DurationInput;
  /** Shortest accepted duration, inclusive. */
  readonly min?: DurationInput;
  /** Longest accepted duration, inclusive. */
  readonly max?: DurationInput;
}

const DURATION_UNITS: UnitTable = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

const formatMs = (ms: number): string => formatQuantity(ms, DURATION_UNITS);

/**
 * A duration in whole milliseconds; accepts `500ms`, `30s`, `2m`, `1h`, `1.5s` or a plain integer
 * number of milliseconds.
 * @example duration({ env: 'MNEME_SHUTDOWN_GRACE', default: '10s', doc: 'Drain time after SIGTERM.' })
 * @throws ConfigSchemaError when the default or a bound is not a valid duration.
 */
export function duration(options: DurationOptions & { readonly default: DurationInput }): Field<number>;
export function duration(options: DurationOptions): Field<number | undefined>;
export function duration(options: DurationOptions): Field<number | undefined> {
  const { env } = options;
  const toMs = (what: string, input: DurationInput | undefined): number | undefined =>
    input === undefined ? undefined : quantityFromInput(env, what, input, DURATION_UNITS);
  const range = { min: toMs('min', options.min), max: toMs('max', options.max) };
  checkRange(env, range);
  return field({
    env,
    doc: options.doc,
    sensitive: options.sensitive,
    default: toMs('default', options.default),
    accepts: `a duration such as 500ms, 30s, 2m, 1h or integer milliseconds${rangeText(range, formatMs)}`,
    format: formatMs,
    parse: (raw) => {
      const parsed = parseQuantity(raw, DURATION_UNITS);
      if (!parsed.ok) return parsed;
      const violation = rangeViolation(parsed.value, range, formatMs);
      return violation === undefined ? accept(parsed.value) : reject(violation);
    },
  });
}
