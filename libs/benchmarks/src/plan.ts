import { onlineStream, type Scenario } from '@mneme/data';
import type { ExperiencePlan } from '@mneme/methods';

/**
 * The loop's view of a feature-level scenario: each experience's training part as batches of
 * `batchSize` in the scenario's seeded order (a fresh single pass per epoch), and its test part —
 * or, with `evaluateOn: 'validation'`, its validation part (for tuning without touching the test set).
 */
export function planScenario(scenario: Scenario<Float32Array>, batchSize: number, evaluateOn: 'test' | 'validation' = 'test'): ExperiencePlan[] {
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
