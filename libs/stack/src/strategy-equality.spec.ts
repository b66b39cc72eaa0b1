/**
 * Every strategy through the services equals `mneme run`: for each strategy of the registry, the
 * small Split-MNIST benchmark is streamed through the embedded stack (in-process bus) as an
 * integrator would stream it, and the evaluator's accuracy matrix must equal the embedded run's
 * with the same seed, to 1e-6. Strategies added later are covered automatically.
 * (`MNEME_EQUALITY_ONLY=<strategy>` runs one, with info logs.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutor, Engine } from '@mneme/engine';
import { InProcessBus } from '@mneme/events';
import type { Executor } from '@mneme/execution';
import { STRATEGIES } from '@mneme/methods';
import { DistillerServiceClient, ReplayMemoryServiceClient, TrainerServiceClient } from '@mneme/contracts';
import { createClient, jsonLogger, unary } from '@mneme/rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestCounts } from '@mneme/service-runtime';
import { ServiceMetrics } from '@mneme/service-runtime';
import { EQUALITY_BENCHMARK, EQUALITY_OPTIONS, expectEqualToEmbedded, KEEPS_SAMPLES } from './equality.test-util.js';
import { startStack, type RunningStack } from './start-stack.js';
import { streamBenchmark } from './stream-benchmark.js';

const SEED = 2;
const ONLY = process.env['MNEME_EQUALITY_ONLY'];

describe(`every strategy streamed through the embedded stack equals \`mneme run\` (${EQUALITY_BENCHMARK}, seed ${SEED})`, () => {
  let dir: string;
  let executor: Executor;
  let bus: InProcessBus;
  let stack: RunningStack;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mneme-equality-'));
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
    bus = new InProcessBus();
    stack = await startStack({ dataDir: dir, bus, executor, logger: jsonLogger('test', ONLY === undefined ? 'error' : 'info'), metrics: new ServiceMetrics({ defaultMetrics: false }) });
  });
  afterAll(async () => {
    await stack?.stop();
    await bus?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(Object.keys(STRATEGIES).filter((s) => (ONLY ?? s) === s))('%s', async (strategy) => {
    const options = EQUALITY_OPTIONS[strategy] ?? {};
    const streamed = await streamBenchmark({ benchmark: EQUALITY_BENCHMARK, strategy, options, seed: SEED, trainerAddress: stack.address, executor, timeoutMs: 120_000 });
    expect(streamed.samples).toBe(1000);
    await expectEqualToEmbedded(streamed, strategy, SEED, executor);
    await expectReplicatedMemory(stack, streamed.modelId, KEEPS_SAMPLES.has(strategy));
    if (strategy === 'distill') {
      // The sets it replayed are the distiller service's: one per closed experience.
      const distiller = createClient(DistillerServiceClient, stack.address);
      const { sets } = await unary(distiller.listSyntheticSets.bind(distiller), { modelId: streamed.modelId, page: undefined });
      distiller.close();
      expect(sets.map((s) => s.experience?.experienceIndex).sort()).toEqual([0, 1, 2, 3, 4]);
      // The services' own request counts show the distiller took part.
      const counts = await requestCounts(stack.metrics);
      expect(counts['mneme.v1.DistillerService']?.methods['StartDistillation']).toBeGreaterThanOrEqual(5);
    }
  }, 300_000);
});

/**
 * A strategy that keeps samples reached the replay-memory service through its memory port: once
 * replication settles, the service's copy holds as many samples as the trainer's strategy.
 */
async function expectReplicatedMemory(stack: RunningStack, modelId: string, keepsSamples: boolean): Promise<void> {
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
