import { growToFit } from './core/class-index.js';
import type { ExperienceInfo, LabelledBatch, LearnStats, Strategy } from './strategy.js';

// The two steps every loop takes to drive a strategy through an experience. The embedded run
// (runExperiment) and the trainer's stream loop both take them, so a benchmark streamed through the
// services trains the same model as `mneme run`: the order of these calls is part of the contract.

/**
 * Learns one batch (labels are class indices): the strategy first grows to hold every class of the
 * batch (labels are learned as they arrive), then — for the experience's first batch, when `begin`
 * is given — begins the experience, then learns. Resolves the step's {@link LearnStats}, when the
 * strategy ran an optimizer step.
 */
export async function learnStep(strategy: Strategy, batch: LabelledBatch, begin?: ExperienceInfo): Promise<LearnStats | undefined> {
  growToFit(strategy, batch.labels);
  if (begin !== undefined) await strategy.beginExperience(begin);
  return (await strategy.learn(batch)) ?? undefined;
}

/** Ends an experience; one that never had a batch (`begun` false) is begun first, so every experience is begun and ended once. */
export async function endStep(strategy: Strategy, info: ExperienceInfo, begun: boolean): Promise<void> {
  if (!begun) await strategy.beginExperience(info);
  await strategy.endExperience(info);
}
