import { formatOptionsHelp, STRATEGY_OPTIONS, strategyFactory } from '@mneme/methods';
import { strategyDefaultsSection, strategyOptionsSection } from '../help.js';

/** `mneme strategies [name]`: the strategies' `--set` options and the benchmarks' per-strategy defaults. */
export function strategiesCommand(name?: string): void {
  if (name !== undefined) {
    strategyFactory(name);
    console.log(formatOptionsHelp(name, STRATEGY_OPTIONS[name], ''));
    return;
  }
  console.log(`${strategyOptionsSection()}\n\n${strategyDefaultsSection()}`);
}
