/**
 * Strategy options that `mneme run` (and, for `memory`, `mneme up`) also take as named flags:
 * `--memory 200` is `--set memory=200`. They predate `--set` and stay for existing command lines;
 * their help is read from the strategies' option schemas, so it names every strategy that reads
 * the key and can never drift from what `--set` accepts.
 */
import { MnemeError } from '@mneme/errors';
import { rangeText, STRATEGY_OPTIONS, type OptionSpec } from '@mneme/methods';

/** A named flag and the option key it sets. */
export interface NamedStrategyFlag {
  /** The flag without dashes (`top-k`). */
  readonly flag: string;
  /** The property commander parses the flag into (`topK`). */
  readonly attribute: 'memory' | 'candidates' | 'topK' | 'budget' | 'acquisition';
  /** The option key in the strategies' schemas. */
  readonly key: string;
}

/** Every named strategy flag of `mneme run`. */
export const NAMED_STRATEGY_FLAGS: readonly NamedStrategyFlag[] = [
  { flag: 'memory', attribute: 'memory', key: 'memory' },
  { flag: 'candidates', attribute: 'candidates', key: 'candidates' },
  { flag: 'top-k', attribute: 'topK', key: 'topK' },
  { flag: 'budget', attribute: 'budget', key: 'budget' },
  { flag: 'acquisition', attribute: 'acquisition', key: 'acquisition' },
];

/** The named flags of `mneme up` (its other strategy options go through `--set`). */
export const UP_STRATEGY_FLAGS: readonly NamedStrategyFlag[] = NAMED_STRATEGY_FLAGS.filter((f) => f.flag === 'memory');

/** The strategies that declare option `key`, with its spec, in registry order. */
export function strategiesReading(key: string): [string, OptionSpec][] {
  return Object.entries(STRATEGY_OPTIONS).flatMap(([name, schema]): [string, OptionSpec][] =>
    Object.hasOwn(schema.specs, key) ? [[name, schema.specs[key]!]] : [],
  );
}

/**
 * The commander flag (`--top-k <integer>`) and help of a named flag, from the schemas: the
 * `--set` key it stands for, the strategies that read it, and the first one's description.
 *
 * @throws MnemeError (internal: a bug in the CLI's flag table) for a flag not in {@link NAMED_STRATEGY_FLAGS}, or when no strategy declares its key (a flag left behind by a removed option)
 */
export function namedFlagOption(flag: string): [flags: string, description: string] {
  const named = NAMED_STRATEGY_FLAGS.find((f) => f.flag === flag);
  if (named === undefined) throw new MnemeError('internal', `--${flag} is not a named strategy flag`);
  const readers = strategiesReading(named.key);
  const first = readers[0];
  if (first === undefined) throw new MnemeError('internal', `--${named.flag}: no strategy declares option '${named.key}'`);
  const value = first[1].kind === 'integer' || first[1].kind === 'number' ? first[1].kind : rangeText(first[1]);
  return [`--${named.flag} <${value}>`, `--set ${named.key}=… of ${readers.map(([name]) => name).join(', ')}: ${first[1].description}`];
}

/** The options the named flags set, by key (flags not given are left out). */
export function namedFlagOptions(
  given: Partial<Readonly<Record<NamedStrategyFlag['attribute'], string>>>,
  flags: readonly NamedStrategyFlag[] = NAMED_STRATEGY_FLAGS,
): Record<string, string> {
  const options: Record<string, string> = {};
  for (const { attribute, key } of flags) {
    const value = given[attribute];
    if (value !== undefined) options[key] = value;
  }
  return options;
}
