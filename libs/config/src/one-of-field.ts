import { accept, field, reject, type Field, type FieldOptions, type ParseResult } from './field.js';
import { ConfigSchemaError } from './config-error.js';

/** Options for {@link oneOf}. */
export interface OneOfOptions<V extends string> extends FieldOptions {
  /** Value used when the variable is unset or empty; omit it to make the field optional. */
  readonly default?: V;
}

function parseChoice<V extends string>(values: readonly V[], raw: string): ParseResult<V> {
  const exact = values.find((v) => v === raw);
  if (exact !== undefined) return accept(exact);
  // Operators write INFO as often as info; the canonical spelling is returned so code compares
  // against the literal type. Exact matches win above, so values differing only in case still work.
  const lower = raw.toLowerCase();
  const loose = values.filter((v) => v.toLowerCase() === lower);
  return loose.length === 1 && loose[0] !== undefined ? accept(loose[0]) : reject();
}

/**
 * An option restricted to a fixed set of words; the type is the union of the words.
 * @example oneOf(['auto', 'cpu', 'cuda'] as const, { env: 'MNEME_DEVICE', default: 'auto', doc: '…' })
 * @throws ConfigSchemaError when `values` is empty.
 */
export function oneOf<const V extends readonly [string, ...string[]]>(
  values: V,
  options: OneOfOptions<V[number]> & { readonly default: V[number] },
): Field<V[number]>;
export function oneOf<const V extends readonly [string, ...string[]]>(
  values: V,
  options: OneOfOptions<V[number]>,
): Field<V[number] | undefined>;
export function oneOf<const V extends readonly [string, ...string[]]>(
  values: V,
  options: OneOfOptions<V[number]>,
): Field<V[number] | undefined> {
  // The tuple type already demands one value; this guards callers that build the list at runtime.
  if (values.length === 0) throw new ConfigSchemaError(`config field ${options.env}: oneOf needs at least one value`);
  const choices: readonly V[number][] = Object.freeze([...values]);
  return field({
    env: options.env,
    doc: options.doc,
    sensitive: options.sensitive,
    default: options.default,
    accepts: `one of ${choices.join(', ')}`,
    parse: (raw) => parseChoice(choices, raw),
  });
}
