import { createExecutor, Engine } from '@mneme/engine';
import type { Executor } from '@mneme/execution';
import { Rng } from '@mneme/random';
import { beforeAll, describe, expect, it } from 'vitest';
import { relativeGap } from './numeric.test-util.js';
import { GramStatistics } from './gram-statistics.js';

const WIDTH = 300; // above the width where folds split G into four column parts
const CLASSES = 3;

function rows(count: number, seed: number): { features: Float32Array; labels: Int32Array } {
  const rng = Rng.seeded(seed);
  return {
    features: Float32Array.from({ length: count * WIDTH }, () => Math.max(0, rng.normal(0, 1))),
    labels: Int32Array.from({ length: count }, () => rng.int(CLASSES)),
  };
}

/** G and Q summed directly in float64. */
function direct(parts: readonly { features: Float32Array; labels: Int32Array; sign: number }[]): {
  gram: Float64Array;
  targets: Float64Array;
} {
  const gram = new Float64Array(WIDTH * WIDTH);
  const targets = new Float64Array(WIDTH * CLASSES);
  for (const { features, labels, sign } of parts) {
    for (let r = 0; r < labels.length; r++) {
      const h = features.subarray(r * WIDTH, (r + 1) * WIDTH);
      for (let i = 0; i < WIDTH; i++) {
        for (let j = 0; j < WIDTH; j++) gram[i * WIDTH + j]! += sign * h[i]! * h[j]!;
        targets[i * CLASSES + labels[r]!]! += sign * h[i]!;
      }
    }
  }
  return { gram, targets };
}

describe('streaming Gram statistics', () => {
  let executor: Executor;
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
  });

  for (const [precision, tolerance] of [
    ['exact', 1e-13],
    ['fast', 1e-6],
  ] as const) {
    it(`equals G and Q summed directly, through folds, a removal and a snapshot (${precision})`, async () => {
      const stats = new GramStatistics(executor, WIDTH, 7, precision);
      stats.growClasses(CLASSES);
      const a = rows(20, 1);
      const b = rows(6, 2);
      await stats.add(a.features, a.labels);
      await stats.add(b.features, b.labels);
      await stats.remove(b.features.subarray(0, 2 * WIDTH), b.labels.subarray(0, 2));
      // The buffer still holds rows that were never folded: settled() folds them into a copy only.
      const before = stats.snapshot();
      const settled = await stats.settled();
      expect(stats.snapshot()).toEqual(before);
      const expected = direct([
        { ...a, sign: 1 },
        { ...b, sign: 1 },
        { features: b.features.subarray(0, 2 * WIDTH), labels: b.labels.subarray(0, 2), sign: -1 },
      ]);
      const { gram, targets } = settled.regularised(0);
      expect(relativeGap(gram, expected.gram)).toBeLessThan(tolerance);
      expect(relativeGap(targets, expected.targets)).toBeLessThan(1e-12);
      expect(settled.count).toBe(24);
      // A snapshot restores the same statistics, unfolded rows included.
      const restored = new GramStatistics(executor, WIDTH, 7, precision);
      restored.restore(JSON.parse(JSON.stringify(before)) as typeof before);
      expect((await restored.settled()).regularised(0).gram).toEqual(gram);
    });
  }
});
