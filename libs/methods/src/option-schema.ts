/**
 * A strategy's options declared once — key, kind, default, bounds or values, one-line description —
 * and used both to read `ctx.options` (through {@link OptionReader}: same refusals, same messages)
 * and to document them (`mneme run --help`). Schemas compose by spreading their specs
 * (`{ ...KNN_OPTION_SPECS, lambda: ... }`); reading follows the declaration order.
 */
import { InvalidArgumentError } from '@mneme/errors';
import { OptionReader, type NumberBounds } from './option-reader.js';
import type { StrategyContext } from './strategy.js';

/** What a default may depend on: the parts of the strategy context a schema reads. */
export type OptionContext = Partial<Pick<StrategyContext, 'batchSize' | 'learningRate' | 'text' | 'classifier'>>;

/** A default computed when reading (from the context or options read before it), with its text for help. */
export interface ComputedDefault<T> {
  /** How help shows it, e.g. `the batch size`. */
  readonly text: string;
  readonly of: (ctx: OptionContext, earlier: Readonly<Record<string, unknown>>) => T;
}

/** A numeric option (`integer` adds the integer bound). */
export interface NumberSpec {
  readonly kind: 'integer' | 'number';
  readonly default: number | ComputedDefault<number>;
  readonly min?: number;
  readonly max?: number;
  /** Whether `min` itself is excluded. */
  readonly exclusiveMin?: boolean;
  readonly description: string;
}

/** One of a fixed set of strings. */
export interface ChoiceSpec<V extends string = string> {
  readonly kind: 'choice';
  readonly values: readonly V[];
  readonly default: V | ComputedDefault<V>;
  readonly description: string;
}

/** `true` or `false` on the command line, a boolean when read. */
export interface BooleanSpec {
  readonly kind: 'boolean';
  readonly default: boolean;
  readonly description: string;
}

/** One declared option. */
export type OptionSpec = NumberSpec | ChoiceSpec | BooleanSpec;

/** Declared options by key, in reading order. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The typed value of a spec. */
export type OptionValue<S> = S extends NumberSpec ? number : S extends ChoiceSpec<infer V> ? V : S extends BooleanSpec ? boolean : never;

/** The typed values of a schema's options. */
export type OptionValues<T extends OptionSpecs> = { readonly [K in keyof T]: OptionValue<T[K]> };

/** A strategy's declared options. */
export interface OptionSchema<T extends OptionSpecs = OptionSpecs> {
  /** The strategy's name, for messages and help. */
  readonly strategy: string;
  readonly specs: T;
  /**
   * Reads `options` into typed values with defaults.
   *
   * @throws InvalidArgumentError listing every bad value and unknown key (OptionReader's messages)
   */
  read(options: Readonly<Record<string, string>>, ctx?: OptionContext): OptionValues<T>;
  /** Reads this schema's options with `reader` without ending it (for callers that add their own). */
  readWith(reader: OptionReader, ctx?: OptionContext): OptionValues<T>;
}

/** An integer option. */
export function integer(
  fallback: number | ComputedDefault<number>,
  bounds: Omit<NumberBounds, 'integer'>,
  description: string,
): NumberSpec {
  return { kind: 'integer', default: fallback, ...bounds, description };
}

/** A real-number option. */
export function number(fallback: number | ComputedDefault<number>, bounds: Omit<NumberBounds, 'integer'>, description: string): NumberSpec {
  return { kind: 'number', default: fallback, ...bounds, description };
}

/** An option taking one of `values`. */
export function choice<const V extends string>(
  values: readonly V[],
  fallback: NoInfer<V> | ComputedDefault<NoInfer<V>>,
  description: string,
): ChoiceSpec<V> {
  return { kind: 'choice', values, default: fallback, description };
}

/** A `true`/`false` option. */
export function boolean(fallback: boolean, description: string): BooleanSpec {
  return { kind: 'boolean', default: fallback, description };
}

/** A default computed at reading time. */
export function computed<T>(text: string, of: ComputedDefault<T>['of']): ComputedDefault<T> {
  return { text, of };
}

/** The context field a computed default needs. @throws InvalidArgumentError when the caller gave none */
export function needed<K extends keyof OptionContext>(ctx: OptionContext, key: K, strategy: string): NonNullable<OptionContext[K]> {
  const value = ctx[key];
  if (value === undefined) throw new InvalidArgumentError(`${strategy}: reading its options needs the context's ${key}`);
  return value;
}

const isComputed = <T>(d: T | ComputedDefault<T>): d is ComputedDefault<T> => typeof d === 'object' && d !== null && 'of' in d;

/** Declares a strategy's options. */
export function defineOptions<const T extends OptionSpecs>(strategy: string, specs: T): OptionSchema<T> {
  const readWith = (reader: OptionReader, ctx: OptionContext = {}): OptionValues<T> => {
    const values: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(specs)) {
      if (spec.kind === 'boolean') {
        values[key] = reader.choice(key, String(spec.default) as 'true' | 'false', ['true', 'false']) === 'true';
        continue;
      }
      const fallback = isComputed(spec.default) ? spec.default.of(ctx, values) : spec.default;
      if (spec.kind === 'choice') {
        values[key] = reader.choice(key, fallback as string, spec.values);
      } else {
        const bounds: NumberBounds = {
          ...(spec.min === undefined ? {} : { min: spec.min }),
          ...(spec.max === undefined ? {} : { max: spec.max }),
          ...(spec.exclusiveMin === undefined ? {} : { exclusiveMin: spec.exclusiveMin }),
          ...(spec.kind === 'integer' ? { integer: true } : {}),
        };
        values[key] = reader.number(key, fallback as number, bounds);
      }
    }
    return values as OptionValues<T>;
  };
  return Object.freeze({
    strategy,
    specs: Object.freeze({ ...specs }),
    readWith,
    read(options: Readonly<Record<string, string>>, ctx: OptionContext = {}): OptionValues<T> {
      const reader = new OptionReader(strategy, options);
      const values = readWith(reader, ctx);
      reader.done();
      return values;
    },
  });
}

/** The default of a spec as help shows it. */
export function defaultText(spec: OptionSpec): string {
  if (typeof spec.default === 'object') return spec.default.text;
  return String(spec.default);
}

const bound = (x: number): string => (x === Number.POSITIVE_INFINITY ? '∞' : x === Number.NEGATIVE_INFINITY ? '-∞' : String(x));

/** The values a spec takes as help shows them, e.g. `integer ≥ 1`, `number in (0, ∞)`, `number in (0, 1]`, `linear|cosine`. */
export function rangeText(spec: OptionSpec): string {
  if (spec.kind === 'boolean') return 'true|false';
  if (spec.kind === 'choice') return spec.values.join('|');
  const { min, max } = spec;
  // An open lower bound is written as an interval: `<number > 0>` would read as a closed bracket.
  if (min !== undefined && (max !== undefined || spec.exclusiveMin === true)) {
    return `${spec.kind} in ${spec.exclusiveMin === true ? '(' : '['}${bound(min)}, ${max === undefined ? '∞)' : `${bound(max)}]`}`;
  }
  if (min !== undefined) return `${spec.kind} ≥ ${bound(min)}`;
  if (max !== undefined) return `${spec.kind} ≤ ${bound(max)}`;
  return spec.kind;
}

/**
 * A strategy's options as help text: a header line, then one line per option — `key=<values>`,
 * its default and its description — or `(takes no options)`.
 */
export function formatOptionsHelp(name: string, schema: OptionSchema | undefined, indent = '  '): string {
  if (schema === undefined) return `${indent}${name}: options not declared`;
  const entries = Object.entries(schema.specs);
  if (entries.length === 0) return `${indent}${name}: takes no options`;
  const keys = entries.map(([key, spec]) => `${key}=<${rangeText(spec)}>`);
  const defaults = entries.map(([, spec]) => `default ${defaultText(spec)}`);
  const keyWidth = Math.max(...keys.map((k) => k.length));
  const defaultWidth = Math.max(...defaults.map((d) => d.length));
  return [
    `${indent}${name}:`,
    ...entries.map(([, spec], i) => `${indent}  ${keys[i]!.padEnd(keyWidth)}  ${defaults[i]!.padEnd(defaultWidth)}  ${spec.description}`),
  ].join('\n');
}

/** Every strategy's options, one block per strategy (in the order given). */
export function formatStrategyOptionsHelp(
  names: readonly string[],
  schemas: Readonly<Record<string, OptionSchema>>,
  indent = '  ',
): string {
  return names.map((name) => formatOptionsHelp(name, schemas[name], indent)).join('\n\n');
}
