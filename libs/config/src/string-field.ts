import { accept, field, type Field, type FieldOptions } from './field.js';

/** Options for {@link str}. */
export interface StrOptions extends FieldOptions {
  /** Value used when the variable is unset or empty; omit it to make the field optional. */
  readonly default?: string;
}

/**
 * A text option, taken as set (after trimming surrounding whitespace).
 * @example str({ env: 'MNEME_GRPC_HOST', default: '127.0.0.1', doc: 'Address the server binds to.' })
 */
export function str(options: StrOptions & { readonly default: string }): Field<string>;
export function str(options: StrOptions): Field<string | undefined>;
export function str(options: StrOptions): Field<string | undefined> {
  return field({
    env: options.env,
    doc: options.doc,
    sensitive: options.sensitive,
    default: options.default,
    accepts: 'any non-empty text',
    parse: (raw) => accept(raw),
  });
}
