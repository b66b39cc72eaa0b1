import { accept, field, reject, type Field, type FieldOptions, type ParseResult } from './field.js';
import { checkRange, rangeText, rangeViolation, type Range } from './range.js';

/** Options for {@link int} and {@link num}. */
export interface NumberOptions extends FieldOptions {
  /** Value used when the variable is unset or empty; omit it to make the field optional. */
  readonly default?: number;
  /** Smallest accepted value, inclusive. */
  readonly min?: number;
  /** Largest accepted value, inclusive. */
  readonly max?: number;
}

/** Options for {@link port}; the range is fixed to 1..65535. */
export interface PortOptions extends FieldOptions {
  /** Port used when the variable is unset or empty; omit it to make the field optional. */
  readonly default?: number;
}

// Plain decimal notation only: `Number()` would also take '0x1f', '1e3', ' ' or 'Infinity', which
// in an environment variable are almost always mistakes.
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseInteger(raw: string, range: Range): ParseResult<number> {
  if (!INTEGER.test(raw)) return reject();
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) return reject('too large to represent exactly');
  const violation = rangeViolation(value, range);
  return violation === undefined ? accept(value) : reject(violation);
}

function parseDecimal(raw: string, range: Range): ParseResult<number> {
  if (!DECIMAL.test(raw)) return reject();
  const value = Number(raw);
  if (!Number.isFinite(value)) return reject('too large');
  const violation = rangeViolation(value, range);
  return violation === undefined ? accept(value) : reject(violation);
}

/**
 * An integer option in plain decimal notation, optionally bounded.
 * @example int({ env: 'MNEME_BATCH_SIZE', default: 32, min: 1, doc: 'Samples per training step.' })
 */
export function int(options: NumberOptions & { readonly default: number }): Field<number>;
export function int(options: NumberOptions): Field<number | undefined>;
export function int(options: NumberOptions): Field<number | undefined> {
  const range = { min: options.min, max: options.max };
  checkRange(options.env, range);
  return field({
    env: options.env,
    doc: options.doc,
    sensitive: options.sensitive,
    default: options.default,
    accepts: `an integer${rangeText(range)}`,
    parse: (raw) => parseInteger(raw, range),
  });
}

/**
 * A finite decimal number option (`0.5`, `1e-3`), optionally bounded.
 * @example num({ env: 'MNEME_LEARNING_RATE', default: 0.001, min: 0, doc: 'Optimizer step size.' })
 */
export function num(options: NumberOptions & { readonly default: number }): Field<number>;
export function num(options: NumberOptions): Field<number | undefined>;
export function num(options: NumberOptions): Field<number | undefined> {
  const range = { min: options.min, max: options.max };
  checkRange(options.env, range);
  return field({
    env: options.env,
    doc: options.doc,
    sensitive: options.sensitive,
    default: options.default,
    accepts: `a number${rangeText(range)}`,
    parse: (raw) => parseDecimal(raw, range),
  });
}

/** Valid TCP port numbers; 0 ("any free port") is excluded because a service must be findable. */
const PORT_RANGE: Range = { min: 1, max: 65_535 };

/**
 * A TCP port, 1..65535.
 * @example port({ env: 'MNEME_GRPC_PORT', default: 50051, doc: 'Port the gRPC server listens on.' })
 */
export function port(options: PortOptions & { readonly default: number }): Field<number>;
export function port(options: PortOptions): Field<number | undefined>;
export function port(options: PortOptions): Field<number | undefined> {
  return field({
    env: options.env,
    doc: options.doc,
    sensitive: options.sensitive,
    default: options.default,
    accepts: `an integer port${rangeText(PORT_RANGE)}`,
    parse: (raw) => parseInteger(raw, PORT_RANGE),
  });
}
