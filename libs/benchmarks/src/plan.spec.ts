import { classIncremental, textDataset, textSetFromRows, type SplitName } from '@mneme/data';
import { describe, expect, it } from 'vitest';
import { planScenario } from './plan.js';
import { featureDataset } from './text-features.js';

/** Two classes × the given rows per split, with one-value features equal to the row's number. */
function scenarioWith(perSplit: Partial<Record<SplitName, number>>) {
  const rows = Object.entries(perSplit).flatMap(([split, n]) =>
    Array.from({ length: 2 * n }, (_, i) => ({
      text: `${split} ${i}`,
      label: i % 2 === 0 ? 'a' : 'b',
      split: split as SplitName,
      file: 'rows',
      line: i + 1,
    })),
  );
  const set = textSetFromRows(rows);
  const features = Float32Array.from(set.texts.map((_, i) => i));
  return classIncremental(featureDataset(textDataset('rows', set), features, 1), { seed: 0, experiences: 1 });
}

describe('planScenario', () => {
  it('scores on the test part, or with --tune on the validation part only', () => {
    const scenario = scenarioWith({ train: 4, validation: 2, test: 3 });
    expect(planScenario(scenario, 2)[0]!.test.labels.length).toBe(6);
    expect(planScenario(scenario, 2, 'validation')[0]!.test.labels.length).toBe(4);
  });

  it('refuses a part with no rows instead of scoring nothing', () => {
    const scenario = scenarioWith({ train: 4, test: 3 });
    expect(() => planScenario(scenario, 2, 'validation')).toThrow(
      /--tune scores on validation rows, and experience 0 of rows-features has none/,
    );
  });
});
