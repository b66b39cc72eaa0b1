import { benchmarkByName, runBenchmark } from '@mneme/benchmarks';
import type { Executor } from '@mneme/execution';
import { expect } from 'vitest';
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
