import { benchmarkByName, runBenchmark } from '@mneme/benchmarks';
import { ReplayMemoryServiceClient, TrainerServiceClient } from '@mneme/contracts';
import type { Executor } from '@mneme/execution';
import { createClient, unary } from '@mneme/rpc';
import { expect } from 'vitest';
import { requestCounts } from '../runtime/request-counts.js';
import type { RunningStack } from './start-stack.js';
import type { StreamBenchmarkResult } from './stream-benchmark.js';

/** The benchmark every strategy is streamed through to compare the services with `mneme run`. */
export const EQUALITY_BENCHMARK = 'split-mnist-mini';

/** Options that keep the slowest strategies to seconds here; the same options go to both runs. */
export const EQUALITY_OPTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  distill: { 'outer-steps': '3', k: '2' },
  l2p: { size: '4', length: '2', select: '2' },
  // With replay memories, so their memories go through the memory port (and the replay-memory service) too.
  curriculum: { memory: '100' },
  active: { memory: '100' },
};

/** Strategies whose memory (with EQUALITY_OPTIONS) holds samples, replicated to the replay-memory service. */
export const KEEPS_SAMPLES: ReadonlySet<string> = new Set(['er', 'mir', 'knn', 'knn-head', 'curriculum', 'active']);

/** Runs `strategy` embedded (`mneme run`) and asserts the streamed run's accuracy matrix equals it to 1e-6. */
export async function expectEqualToEmbedded(streamed: StreamBenchmarkResult, strategy: string, seed: number, executor: Executor): Promise<void> {
  const embedded = await runBenchmark({ benchmark: benchmarkByName(EQUALITY_BENCHMARK), strategy, seeds: [seed], executor, options: EQUALITY_OPTIONS[strategy] ?? {} });
  const expected = embedded.matrix[0]!;
  expect(streamed.randomInit).toEqual(embedded.random_init[0]);
  expect(streamed.matrix.length).toBe(expected.length);
  streamed.matrix.forEach((row, i) => row.forEach((a, j) => expect(Math.abs(a - expected[i]![j]!), `a[${i}][${j}]`).toBeLessThanOrEqual(1e-6)));
  // The strategy learned: the final row is not all zeros.
  expect(Math.max(...expected.at(-1)!)).toBeGreaterThan(0);
}

/**
 * A strategy that keeps samples reached the replay-memory service through its memory port: once
 * replication settles, the service's copy holds as many samples as the trainer's strategy.
 */
export async function expectReplicatedMemory(stack: RunningStack, modelId: string, keepsSamples: boolean): Promise<void> {
  const trainer = createClient(TrainerServiceClient, stack.address);
  const memory = createClient(ReplayMemoryServiceClient, stack.address);
  try {
    const deadline = Date.now() + 30_000;
    let replication = (await unary(trainer.getTrainingStatus.bind(trainer), { modelId })).replayMemory;
    while (replication !== undefined && (replication.pending > 0 || replication.resync) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      replication = (await unary(trainer.getTrainingStatus.bind(trainer), { modelId })).replayMemory;
    }
    if (!keepsSamples) {
      expect(replication).toBeUndefined();
      return;
    }
    expect(replication).toMatchObject({ pending: 0, resync: false, lastError: '' });
    expect(replication!.held).toBeGreaterThan(0);
    const { stats } = await unary(memory.describeMemory.bind(memory), { modelId });
    expect(stats!.size).toBe(replication!.held);
    expect(Object.values(stats!.labelCounts).reduce((a, b) => a + b, 0)).toBe(replication!.held);
    const counts = await requestCounts(stack.metrics);
    expect(counts['mneme.v1.ReplayMemoryService']?.methods['AddSamples']).toBeGreaterThan(0);
  } finally {
    trainer.close();
    memory.close();
  }
}
