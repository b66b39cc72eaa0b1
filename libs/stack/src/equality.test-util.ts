import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { benchmarkByName, DEFAULT_ENCODER, runBenchmark, type BenchmarkSettings } from '@mneme/benchmarks';
import { ReplayMemoryServiceClient, TrainerServiceClient } from '@mneme/contracts';
import { findWorkspaceRoot } from '@mneme/data';
import type { Executor } from '@mneme/execution';
import { createClient, unary } from '@mneme/rpc';
import { expect } from 'vitest';
import { requestCounts } from '@mneme/service-runtime';
import type { RunningStack } from './start-stack.js';
import type { StreamBenchmarkOptions, StreamBenchmarkResult } from './stream-benchmark.js';
import { EQUALITY_BENCHMARK, EQUALITY_OPTIONS } from './equality-setups.js';

export { EQUALITY_BENCHMARK, EQUALITY_OPTIONS, writeTinyTextSet } from './equality-setups.js';

/** Strategies whose memory (with EQUALITY_OPTIONS) holds samples, replicated to the replay-memory service. */
export const KEEPS_SAMPLES: ReadonlySet<string> = new Set(['er', 'mir', 'knn', 'knn-head', 'curriculum', 'active', 'ranpac']);

/** What both runs of an equality case share beyond the strategy and seed. */
export interface EqualitySetup {
  readonly benchmark: string;
  readonly options: Readonly<Record<string, string>>;
  readonly settings?: Partial<BenchmarkSettings>;
  readonly textData?: string;
  readonly experiences?: number;
}

/** The feature-level case of `strategy`. */
export const featureSetup = (strategy: string): EqualitySetup => ({
  benchmark: EQUALITY_BENCHMARK,
  options: EQUALITY_OPTIONS[strategy] ?? {},
});

/** The folder of the frozen text encoder text benchmarks use (imported by tools/setup.sh). */
export const MODELS_DIR = resolve(findWorkspaceRoot(process.cwd()) ?? process.cwd(), '.mneme/models');

/** Whether the default text encoder was imported (text cases skip without it). */
export const hasTextEncoder = (): boolean =>
  existsSync(join(resolve(findWorkspaceRoot(process.cwd()) ?? process.cwd(), DEFAULT_ENCODER), 'mneme-model.json'));

/** The stream options of a setup (benchmark, overrides and text data). */
export function streamSetup(
  setup: EqualitySetup,
): Pick<StreamBenchmarkOptions, 'benchmark' | 'options' | 'settings' | 'textData' | 'experiences'> {
  return {
    benchmark: setup.benchmark,
    options: setup.options,
    ...(setup.settings === undefined ? {} : { settings: setup.settings }),
    ...(setup.textData === undefined ? {} : { textData: setup.textData }),
    ...(setup.experiences === undefined ? {} : { experiences: setup.experiences }),
  };
}

/** Runs `strategy` embedded (`mneme run`) and asserts the streamed run's accuracy matrix equals it to 1e-6. */
export async function expectEqualToEmbedded(
  streamed: StreamBenchmarkResult,
  strategy: string,
  seed: number,
  executor: Executor,
  setup: EqualitySetup = featureSetup(strategy),
): Promise<void> {
  const embedded = await runBenchmark({
    benchmark: benchmarkByName(setup.benchmark),
    strategy,
    seeds: [seed],
    executor,
    options: setup.options,
    ...(setup.settings === undefined ? {} : { settings: setup.settings }),
    ...(setup.textData === undefined ? {} : { textData: setup.textData }),
    ...(setup.experiences === undefined ? {} : { experiences: setup.experiences }),
  });
  const expected = embedded.matrix[0]!;
  // Both resolved the same layers of defaults (the benchmark's, its defaults for the strategy, the overrides).
  expect(streamed.settings).toEqual(embedded.settings);
  expect(streamed.options).toEqual(embedded.options);
  expect(streamed.strategyDefaults).toEqual(embedded.strategy_defaults);
  expect(streamed.randomInit).toEqual(embedded.random_init[0]);
  expect(streamed.matrix.length).toBe(expected.length);
  streamed.matrix.forEach((row, i) =>
    row.forEach((a, j) => expect(Math.abs(a - expected[i]![j]!), `a[${i}][${j}]`).toBeLessThanOrEqual(1e-6)),
  );
  // One metrics path: the evaluator's ACC, BWT, FWT and forgetting are the embedded run's.
  for (const metric of ['acc', 'bwt', 'fwt', 'forgetting'] as const) {
    const [got, want] = [streamed[metric], embedded[metric].mean];
    expect(Number.isNaN(want) ? Number.isNaN(got) : Math.abs(got - want) <= 1e-6, `${metric}: ${got}, embedded ${want}`).toBe(true);
  }
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
