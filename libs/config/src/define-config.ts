import { ConfigError, type ConfigProblem, ConfigSchemaError } from './config-error.js';
import { describeFields, type DescribeFormat } from './describe-config.js';
import { freeze, type Field } from './field.js';
import { findUnknownVariables, type ConfigWarning } from './unknown-variables.js';

/** A set of named fields; compose schemas by object spread (`{ ...commonServiceConfig, ...own }`). */
export type ConfigSchema = { readonly [key: string]: Field<unknown> };

/** The typed, read-only options a schema produces; optional fields are `T | undefined`. */
export type Infer<S extends ConfigSchema> = {
  readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never;
};

/** Where variables are read from; `process.env` by default. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** A successful load: the options, and unknown variables that were ignored. */
export interface LoadResult<C> {
  /** The typed options, frozen. */
  readonly config: C;
  /** Set variables with the prefix that no field reads (probably typos); not errors. */
  readonly warnings: readonly ConfigWarning[];
}

/** The process hooks `loadOrExit` uses; injectable so tests can observe exits without exiting. */
export interface StartupIo {
  /** Ends the process. @default process.exit */
  readonly exit: (code: number) => never;
  /** Writes one chunk of diagnostic text. @default process.stderr.write */
  readonly stderr: (text: string) => void;
}

/** Options for {@link defineConfig}. */
export interface DefineConfigOptions {
  /**
   * Set variables starting with this prefix that no field reads are reported as warnings.
   * @default 'MNEME_'
   */
  readonly prefix?: string;
  /** Variables with the prefix that are read elsewhere (e.g. by tooling) and must not be reported. */
  readonly alsoKnown?: readonly string[];
}

/** A validated schema with the operations a service needs at start-up. */
export interface ConfigDefinition<S extends ConfigSchema> {
  /** The schema as given, for composing into larger schemas. */
  readonly schema: S;
  /**
   * Reads every field from `env`; unset or empty variables take their default (surrounding
   * whitespace is trimmed first, because `export X= ` and YAML quoting leave it behind).
   * @throws ConfigError listing every variable that was refused.
   */
  load(env?: EnvSource): LoadResult<Infer<S>>;
  /**
   * `load` for process start-up: writes warnings to stderr and returns the options, or writes the
   * error to stderr and exits with {@link EX_CONFIG}. Errors other than `ConfigError` propagate.
   */
  loadOrExit(env?: EnvSource, io?: Partial<StartupIo>): Infer<S>;
  /**
   * Every variable with its default, accepted values and doc, in schema order.
   * @default format 'markdown'
   */
  describe(format?: DescribeFormat): string;
}

/** Exit status for a configuration error (`EX_CONFIG` from BSD sysexits.h), distinct from crashes. */
export const EX_CONFIG = 78;

const processIo: StartupIo = {
  exit: (code) => process.exit(code),
  stderr: (text) => {
    process.stderr.write(text);
  },
};

/**
 * Validates a schema once and returns its loader. Fails fast on schema mistakes — two fields
 * reading the same variable — because they are bugs no environment can fix.
 * @throws ConfigSchemaError when two fields read the same variable.
 * @example
 * const serviceConfig = defineConfig({ ...commonServiceConfig, batch: int({ env: 'MNEME_BATCH', default: 32, doc: '…' }) });
 * const options = serviceConfig.loadOrExit();
 */
export function defineConfig<const S extends ConfigSchema>(schema: S, options: DefineConfigOptions = {}): ConfigDefinition<S> {
  const entries = Object.entries(schema);
  const owners = new Map<string, string>();
  for (const [key, f] of entries) {
    const owner = owners.get(f.env);
    if (owner !== undefined) {
      throw new ConfigSchemaError(`config schema: fields '${owner}' and '${key}' both read ${f.env}`);
    }
    owners.set(f.env, key);
  }
  const prefix = options.prefix ?? 'MNEME_';
  const known = new Set([...owners.keys(), ...(options.alsoKnown ?? [])]);
  const fields = entries.map(([, f]) => f);

  const load = (env: EnvSource = process.env): LoadResult<Infer<S>> => {
    const values: Record<string, unknown> = {};
    const problems: ConfigProblem[] = [];
    for (const [key, f] of entries) {
      const raw = env[f.env];
      const trimmed = raw?.trim() ?? '';
      if (raw === undefined || trimmed === '') {
        values[key] = f.defaultValue;
        continue;
      }
      const parsed = f.parse(trimmed);
      if (parsed.ok) {
        values[key] = freeze(parsed.value);
      } else {
        problems.push({
          variable: f.env,
          value: f.sensitive ? undefined : raw,
          accepts: f.accepts,
          ...(parsed.detail === undefined ? {} : { detail: parsed.detail }),
        });
      }
    }
    const warnings = findUnknownVariables(env, prefix, known);
    if (problems.length > 0) throw new ConfigError(problems, warnings);
    // The one place the inferred type is asserted: every key of the schema was assigned above,
    // each with its field's parsed or default value.
    return { config: Object.freeze(values) as Infer<S>, warnings: Object.freeze(warnings) };
  };

  const loadOrExit = (env: EnvSource = process.env, io: Partial<StartupIo> = {}): Infer<S> => {
    const exit = io.exit ?? processIo.exit;
    const stderr = io.stderr ?? processIo.stderr;
    try {
      const { config, warnings } = load(env);
      for (const warning of warnings) stderr(`config warning: ${warning.message}\n`);
      return config;
    } catch (error: unknown) {
      if (!(error instanceof ConfigError)) throw error;
      stderr(`${error.message}\n`);
      return exit(EX_CONFIG);
    }
  };

  return Object.freeze({
    schema,
    load,
    loadOrExit,
    describe: (format: DescribeFormat = 'markdown') => describeFields(fields, format),
  });
}
