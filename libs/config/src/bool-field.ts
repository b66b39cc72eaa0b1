import { accept, field, reject, type Field, type FieldOptions } from './field.js';

/** Options for {@link bool}. */
export interface BoolOptions extends FieldOptions {
  /** Value used when the variable is unset or empty; omit it to make the field optional. */
  readonly default?: boolean;
}

// A frozen table rather than truthiness: 'false' and '0' are non-empty strings, and anything not
// listed here (e.g. 'ture') is refused instead of silently read as false.
const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = Object.freeze({
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
});

/**
 * A boolean option; accepts true/false, 1/0, yes/no in any letter case.
 * @example bool({ env: 'MNEME_TLS', default: false, doc: 'Serve gRPC over TLS.' })
 */
export function bool(options: BoolOptions & { readonly default: boolean }): Field<boolean>;
export function bool(options: BoolOptions): Field<boolean | undefined>;
export function bool(options: BoolOptions): Field<boolean | undefined> {
  return field({
    env: options.env,
    doc: options.doc,
    sensitive: options.sensitive,
    default: options.default,
    accepts: 'one of true, false, 1, 0, yes, no',
    parse: (raw) => {
      const word = raw.toLowerCase();
      return Object.hasOwn(BOOLEAN_WORDS, word) ? accept(BOOLEAN_WORDS[word] === true) : reject();
    },
  });
}
