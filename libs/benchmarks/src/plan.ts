import { onlineStream, type Scenario } from '@mneme/data';
import { InvalidArgumentError } from '@mneme/errors';
import type { ExperiencePlan } from '@mneme/methods';

/**
 * The loop's view of a feature-level scenario: each experience's training part as batches of
 * `batchSize` in the scenario's seeded order (a fresh single pass per epoch), and its test part —
 * or, with `evaluateOn: 'validation'`, its validation part (for tuning without touching the test set).
 */
export function planScenario(
  scenario: Scenario<Float32Array>,
  batchSize: number,
  evaluateOn: 'test' | 'validation' = 'test',
): ExperiencePlan[] {
  // An empty part would score 0 % (or NaN) for nothing: refuse instead.
  const empty = scenario.experiences.filter((e) => e[evaluateOn].size === 0).map((e) => e.index);
  if (empty.length > 0) {
    throw new InvalidArgumentError(
      evaluateOn === 'validation'
        ? `--tune scores on validation rows, and experience${empty.length > 1 ? 's' : ''} ${empty.join(', ')} of ${scenario.dataset} ha${empty.length > 1 ? 've' : 's'} none: run without --tune, or, for your own data, give rows a validation split (a split column, or a val/dev file)`
        : `experience${empty.length > 1 ? 's' : ''} ${empty.join(', ')} ha${empty.length > 1 ? 've' : 's'} no test rows, so there is nothing to score`,
    );
  }
  return scenario.experiences.map((e) => {
    const test = e[evaluateOn].batch();
    const taskId = 'taskId' in e.train ? e.train.taskId : undefined;
    return {
      index: e.index,
      classes: e.classes,
      ...(taskId === undefined ? {} : { taskId }),
      batches: () => [...onlineStream(e.train, { batchSize })].map((b) => ({ features: b.inputs, labels: b.labels, ids: b.indices })),
      test: { features: test.inputs, labels: test.labels, ids: test.indices },
    };
  });
}
