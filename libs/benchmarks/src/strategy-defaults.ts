import type { Benchmark, BenchmarkSettings, StrategyDefaults } from './benchmark.js';

/** The part of a benchmark's strategy defaults a run used (what the CLI did not override). */
export interface AppliedStrategyDefaults {
  readonly strategy: string;
  /** Settings taken from the strategy defaults. */
  readonly settings: Partial<BenchmarkSettings>;
  /** Options taken from the strategy defaults. */
  readonly options: Readonly<Record<string, string>>;
  /** Settings and options of the strategy defaults the CLI overrode (not applied). */
  readonly overridden: readonly string[];
  readonly chosenOn: string;
}

/** A run's settings and strategy options after every layer of defaults. */
export interface ResolvedRun {
  readonly settings: BenchmarkSettings;
  readonly options: Readonly<Record<string, string>>;
  /** The benchmark's defaults for this strategy that were applied; absent when it has none. */
  readonly strategyDefaults?: AppliedStrategyDefaults;
}

/** What the caller (the CLI) asks for explicitly. */
export interface RunOverrides {
  /** Settings to override; an `undefined` value (an unset CLI flag) overrides nothing. */
  readonly settings?: { readonly [K in keyof BenchmarkSettings]?: BenchmarkSettings[K] | undefined };
  readonly options?: Readonly<Record<string, string>>;
}

/**
 * Settings and options of a run of `strategy` on `benchmark`, in order of precedence (later wins):
 * the benchmark's defaults, the benchmark's defaults for that strategy (chosen on its validation
 * split), the caller's overrides. `mneme run` and `mneme up` both resolve through here, so the
 * services train with exactly the settings a local run uses.
 */
export function resolveRun(
  benchmark: Pick<Benchmark, 'defaults' | 'strategyDefaults'>,
  strategy: string,
  overrides: RunOverrides = {},
): ResolvedRun {
  const given = { settings: definedOnly(overrides.settings ?? {}), options: overrides.options ?? {} };
  const chosen: StrategyDefaults | undefined = Object.hasOwn(benchmark.strategyDefaults ?? {}, strategy)
    ? benchmark.strategyDefaults![strategy]
    : undefined;
  if (chosen === undefined) return { settings: { ...benchmark.defaults, ...given.settings }, options: { ...given.options } };
  const pick = <V>(
    from: Readonly<Record<string, V>>,
    over: Readonly<Record<string, unknown>>,
    prefix: string,
    overridden: string[],
  ): Record<string, V> =>
    Object.fromEntries(
      Object.entries(from).filter(([key]) => {
        const kept = !Object.hasOwn(over, key);
        if (!kept) overridden.push(`${prefix}${key}`);
        return kept;
      }),
    );
  const overridden: string[] = [];
  const settings = pick(chosen.settings ?? {}, given.settings, '', overridden) as Partial<BenchmarkSettings>;
  const options = pick(chosen.options ?? {}, given.options, 'set ', overridden);
  return {
    settings: { ...benchmark.defaults, ...settings, ...given.settings },
    options: { ...options, ...given.options },
    strategyDefaults: { strategy, settings, options, overridden, chosenOn: chosen.chosenOn },
  };
}

/** The entries of `settings` that are set (an explicit `undefined` does not override a default). */
function definedOnly(settings: NonNullable<RunOverrides['settings']>): Partial<BenchmarkSettings> {
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
}

/** CLI spelling of a setting, for help. */
const SETTING_FLAGS: Readonly<Record<string, string>> = { learningRate: '--lr', epochs: '--epochs', batchSize: '--batch-size' };

/** One strategy's defaults as the CLI would spell them, e.g. `--lr 0.01 --set rows=mean`. */
export function strategyDefaultsText(defaults: StrategyDefaults): string {
  const settings = Object.entries(defaults.settings ?? {}).map(([key, value]) =>
    key in SETTING_FLAGS ? `${SETTING_FLAGS[key]} ${String(value)}` : `${key}=${JSON.stringify(value)}`,
  );
  const options = Object.entries(defaults.options ?? {}).map(([key, value]) => `--set ${key}=${value}`);
  return [...settings, ...options].join(' ');
}

/**
 * The per-strategy defaults of every benchmark that has some, as help text: benchmarks with the
 * same defaults share one block; each line is a strategy, its defaults as flags, and where they
 * were chosen.
 */
export function formatStrategyDefaultsHelp(benchmarks: Readonly<Record<string, Benchmark>>, indent = '  '): string {
  const groups = new Map<string, { names: string[]; defaults: Readonly<Record<string, StrategyDefaults>> }>();
  for (const b of Object.values(benchmarks)) {
    if (b.strategyDefaults === undefined || Object.keys(b.strategyDefaults).length === 0) continue;
    const key = JSON.stringify(b.strategyDefaults);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { names: [b.name], defaults: b.strategyDefaults });
    else group.names.push(b.name);
  }
  const blocks = [...groups.values()].map(({ names, defaults }) => {
    const entries = Object.entries(defaults);
    const width = Math.max(...entries.map(([s]) => s.length));
    return [
      `${indent}${names.join(', ')}:`,
      ...entries.flatMap(([strategy, d]) => [
        `${indent}  ${strategy.padEnd(width)}  ${strategyDefaultsText(d)}`,
        `${indent}  ${' '.repeat(width)}  chosen on ${d.chosenOn}`,
      ]),
    ].join('\n');
  });
  return blocks.join('\n\n');
}
