import { ConfigSchemaError } from './config-error.js';
/** What a parser concluded about one raw value. */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly detail?: string };

/** A successful parse. */
export function accept<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

/** A refused value; `detail` says what is wrong beyond the field's general `accepts` text. */
export function reject(detail?: string): ParseResult<never> {
  return detail === undefined ? { ok: false } : { ok: false, detail };
}

/** Options shared by every field builder. */
export interface FieldOptions {
  /** Environment variable that sets this field, e.g. `MNEME_GRPC_PORT`. */
  readonly env: string;
  /** What the field controls, shown by `describe()`; say what happens when it is unset if that matters. */
  readonly doc: string;
  /**
   * Withhold the value from error messages (tokens, passwords), because start-up errors end up in logs.
   * @default false
   */
  readonly sensitive?: boolean | undefined;
}

/**
 * One typed option read from one environment variable. `T` includes `undefined` exactly when the
 * field has no default. Built by `str`, `int`, `port`, … or by `field` for a custom kind.
 */
export interface Field<T> {
  /** Environment variable that sets this field. */
  readonly env: string;
  /** What the field controls. */
  readonly doc: string;
  /** What a valid value looks like, e.g. `an integer port 1..65535`. */
  readonly accepts: string;
  /** Whether the value is withheld from error messages. */
  readonly sensitive: boolean;
  /** The value used when the variable is unset or empty (`undefined` for optional fields). */
  readonly defaultValue: T;
  /** The default as an operator would write it (`10s`, `64MiB`); `undefined` for optional fields. */
  readonly defaultText: string | undefined;
  /** Parses a raw value that is already trimmed and non-empty. */
  parse(raw: string): ParseResult<T>;
}

/** Options for a custom field kind built with {@link field}. */
export interface CustomFieldOptions<T> extends FieldOptions {
  /** What a valid value looks like; completes the sentence "expected …". */
  readonly accepts: string;
  /** Turns a trimmed, non-empty raw value into a typed value or a refusal. */
  readonly parse: (raw: string) => ParseResult<T>;
  /**
   * Writes a value the way an operator would set it; must round-trip through `parse`.
   * @default String(value)
   */
  readonly format?: ((value: T) => string) | undefined;
  /** Value used when the variable is unset or empty; omit it to make the field optional. */
  readonly default?: T | undefined;
}

// Variables follow the POSIX convention so they can be set from any shell or manifest.
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/**
 * Builds a field of any kind; the built-in builders are thin wrappers around it. The default is
 * written out with `format` and parsed back, so a default that its own field would refuse is a
 * programming error caught when the schema module loads, not at some later start-up.
 * @throws ConfigSchemaError when `env` is not an upper-case variable name or the default does not parse.
 */
export function field<T>(options: CustomFieldOptions<T> & { readonly default: T }): Field<T>;
export function field<T>(options: CustomFieldOptions<T>): Field<T | undefined>;
export function field<T>(options: CustomFieldOptions<T>): Field<T | undefined> {
  const { env, doc, accepts, parse } = options;
  if (!ENV_NAME.test(env)) {
    throw new ConfigSchemaError(`config field '${env}': variable names must match ${String(ENV_NAME)}`);
  }
  let defaultValue: T | undefined;
  let defaultText: string | undefined;
  if (options.default !== undefined) {
    defaultText = options.format ? options.format(options.default) : String(options.default);
    const parsed = parse(defaultText);
    if (!parsed.ok) {
      throw new ConfigSchemaError(`config field ${env}: default '${defaultText}' is not ${accepts}`);
    }
    defaultValue = freeze(parsed.value);
  }
  return Object.freeze({
    env,
    doc,
    accepts,
    sensitive: options.sensitive ?? false,
    defaultValue,
    defaultText,
    parse,
  });
}

/** Freezes arrays and plain objects so a loaded configuration cannot be changed after validation. */
export function freeze<T>(value: T): T {
  return typeof value === 'object' && value !== null ? Object.freeze(value) : value;
}
