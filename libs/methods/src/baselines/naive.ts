/**
 * Naive fine-tuning: SGD on each incoming batch and nothing else — the lower bound every
 * continual-learning method is compared with (it forgets earlier classes; e.g. the "single"
 * baseline of Lopez-Paz & Ranzato 2017, GEM, and "fine-tune" in Aljundi et al. 2019, MIR).
 */
import { Classifier } from '../core/classifier.js';
import { defineOptions } from '../option-schema.js';
import type { LabelledBatch, LearnStats, PredictOptions, Strategy, StrategyContext, StrategyState } from '../strategy.js';

/** Naive takes no options. */
export const NAIVE_OPTIONS = defineOptions('naive', {});

export function naive(ctx: StrategyContext): Strategy {
  // Naive takes no options: any given one is a mistake, refused rather than ignored.
  NAIVE_OPTIONS.read(ctx.options);
  const net = new Classifier(ctx.executor, ctx.classifier, ctx.optimizer, ctx.learningRate, ctx.seed);
  return {
    name: 'naive',
    // Naive fine-tuning ignores experience boundaries.
    beginExperience: () => Promise.resolve(),
    endExperience: () => Promise.resolve(),
    learn: async (batch: LabelledBatch): Promise<LearnStats> => ({ loss: await net.train(batch.features, batch.labels) }),
    growClasses: (count: number) => net.growClasses(count),
    classCount: () => net.classes,
    predict: (features: Float32Array, _options?: PredictOptions) => net.predict(features),
    saveState: (): StrategyState => ({ params: net.store.clone(), data: {} }),
    restoreState: (state: StrategyState) => net.setStore(state.params.clone()),
  };
}
