import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchmarkByName, runBenchmark } from '@mneme/benchmarks';
import { createExecutor, Engine } from '@mneme/engine';
import { InProcessBus } from '@mneme/events';
import type { Executor } from '@mneme/execution';
import { jsonLogger } from '@mneme/rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceMetrics } from '@mneme/service-runtime';
import { startStack, type RunningStack } from './start-stack.js';
import { streamBenchmark } from './stream-benchmark.js';

describe('Split-MNIST streamed through the embedded stack (in-process bus)', () => {
  let dir: string;
  let executor: Executor;
  let bus: InProcessBus;
  let stack: RunningStack;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mneme-stack-'));
    executor = createExecutor(await Engine.create());
    bus = new InProcessBus();
    stack = await startStack({
      dataDir: dir,
      bus,
      executor,
      logger: jsonLogger('test', 'info'),
      metrics: new ServiceMetrics({ defaultMetrics: false }),
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await bus?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the accuracy matrix of the embedded run with the same seed (ER-MIR)', async () => {
    const embedded = await runBenchmark({ benchmark: benchmarkByName('split-mnist'), strategy: 'mir', seeds: [3], executor });
    const streamed = await streamBenchmark({
      benchmark: 'split-mnist',
      strategy: 'mir',
      seed: 3,
      trainerAddress: stack.address,
      executor,
      timeoutMs: 120_000,
    });
    expect(streamed.samples).toBe(5000);
    expect(streamed.randomInit).toEqual(embedded.random_init[0]);
    const expected = embedded.matrix[0]!;
    expect(streamed.matrix.length).toBe(expected.length);
    streamed.matrix.forEach((row, i) => row.forEach((a, j) => expect(a).toBeCloseTo(expected[i]![j]!, 6)));
    expect(streamed.acc).toBeCloseTo(embedded.acc.mean, 6);
    expect(streamed.forgetting).toBeCloseTo(embedded.forgetting.mean, 6);
  }, 300_000);
});
