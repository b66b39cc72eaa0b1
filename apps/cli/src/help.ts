import { BENCHMARKS, formatStrategyDefaultsHelp } from '@mneme/benchmarks';
import { strategyOptionsHelp } from '@mneme/methods';
import { NAMED_STRATEGY_FLAGS, UP_STRATEGY_FLAGS, type NamedStrategyFlag } from './strategy-flags.js';

/** `--a, --b and --c` of named flags. */
const spelled = (flags: readonly NamedStrategyFlag[]): string => {
  const names = flags.map((f) => `--${f.flag}`);
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
};

/**
 * What `mneme run --help` and `mneme up --help` show after their options: every strategy's `--set`
 * options with their defaults, one block per strategy, then each benchmark's per-strategy defaults.
 */
export function strategyHelp(command: 'run' | 'up'): string {
  const aliases = command === 'run' ? NAMED_STRATEGY_FLAGS : UP_STRATEGY_FLAGS;
  const named = `${spelled(aliases)} ${aliases.length === 1 ? 'sets' : 'set'}`;
  const flags = command === 'run' ? '--lr, --epochs, --batch-size and --set' : '--epochs, --batch-size and --set';
  return ['', strategyOptionsSection(named), '', strategyDefaultsSection(flags)].join('\n');
}

/** Every strategy's `--set` options, one block per strategy. */
export function strategyOptionsSection(named = `${spelled(NAMED_STRATEGY_FLAGS)} of \`mneme run\` set`): string {
  return [`Strategy options (--set key=value, repeatable; ${named} the same keys):`, '', strategyOptionsHelp()].join('\n');
}

/** The benchmarks' per-strategy defaults. */
export function strategyDefaultsSection(flags = '--lr, --epochs, --batch-size and --set'): string {
  return [
    "Per-strategy defaults of the benchmarks, chosen on validation. They apply over the benchmark's settings and the",
    `strategy's own defaults; ${flags} override them (the report records what was applied):`,
    '',
    formatStrategyDefaultsHelp(BENCHMARKS),
  ].join('\n');
}
