/**
 * End to end on the real engine: Split-MNIST online with naive fine-tuning forgets all but the last
 * pair, and joint training keeps them all — the two bounds every method is judged between.
 */
import { createExecutor, Engine } from '@mneme/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBenchmark } from './run-benchmark.js';
import { splitMnist } from './mnist-benchmarks.js';
import type { Executor } from '@mneme/execution';

let executor: Executor;
beforeAll(async () => {
  executor = createExecutor(await Engine.create({ device: 'cpu' }));
});

describe('split-mnist', () => {
  it('naive fine-tuning learns each pair, then forgets it (ACC near 20%)', async () => {
    const report = await runBenchmark({ benchmark: splitMnist, strategy: 'naive', seeds: [0], executor });
    const [matrix] = report.matrix;
    // Each pair is learned when it is trained on...
    for (let i = 0; i < 5; i++) expect(matrix![i]![i]).toBeGreaterThan(0.9);
    // ...and forgotten afterwards: only the last pair is still known.
    expect(report.acc.mean).toBeGreaterThan(0.15);
    expect(report.acc.mean).toBeLessThan(0.25);
    expect(report.forgetting.mean).toBeGreaterThan(0.8);
    expect(report.acc.definition).toContain('Lopez-Paz');
  }, 120_000);

  it('joint training over everything seen keeps earlier pairs (ACC above 80%)', async () => {
    const report = await runBenchmark({ benchmark: splitMnist, strategy: 'joint', seeds: [1], executor });
    expect(report.acc.mean).toBeGreaterThan(0.8);
    expect(report.forgetting.mean).toBeLessThan(0.15);
  }, 180_000);

  it('is deterministic per seed', async () => {
    const settings = { epochs: 1 };
    const a = await runBenchmark({ benchmark: splitMnist, strategy: 'naive', seeds: [3], executor, settings });
    const b = await runBenchmark({ benchmark: splitMnist, strategy: 'naive', seeds: [3], executor, settings });
    expect(a.matrix).toEqual(b.matrix);
  }, 180_000);
});
