import type { StrategyCapabilities } from '@mneme/methods';
import type { BenchmarkSettings } from './benchmark.js';

/** The passes of one run: the strategy's own (`StrategyContext.epochs`) and the experiment loop's over each experience. */
export interface StrategyEpochs {
  readonly strategy: number;
  readonly loop: number;
}

/**
 * The epochs a strategy runs with on a benchmark. An offline strategy (joint) retrains for the
 * benchmark's `jointEpochs` at each experience's end and is fed each experience once; an online one
 * takes the benchmark's `epochs` for both (the passes of strategies that train at experience end, like active, too).
 */
export function strategyEpochs(
  capabilities: Pick<StrategyCapabilities, 'training'>,
  settings: Pick<BenchmarkSettings, 'epochs' | 'jointEpochs'>,
): StrategyEpochs {
  return capabilities.training === 'offline'
    ? { strategy: settings.jointEpochs, loop: 1 }
    : { strategy: settings.epochs, loop: settings.epochs };
}
