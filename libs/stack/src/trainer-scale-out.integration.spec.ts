import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchmarkByName, runBenchmark } from '@mneme/benchmarks';
import { TrainerServiceClient } from '@mneme/contracts';
import { createExecutor, Engine } from '@mneme/engine';
import { ALL_EVENT_TOPICS, BROKER_REQUIRED, brokerAnswers, KafkaBus, silentEventLogger, SKIP_MESSAGE, TEST_BROKERS } from '@mneme/events';
import type { Executor } from '@mneme/execution';
import { FileModelStore } from '@mneme/model-store';
import { createClient, jsonLogger, unary } from '@mneme/rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceMetrics } from '@mneme/service-runtime';
import { ModelLease } from '@mneme/trainer';
import { startStack } from './start-stack.js';
import { streamBenchmark } from './stream-benchmark.js';
import { startTrainerProcess, type TrainerProcess } from '@mneme/testing';

const available = await brokerAnswers();
if (!available) {
  if (BROKER_REQUIRED) throw new Error(SKIP_MESSAGE.replace('SKIPPED', 'REQUIRED but unavailable'));
  console.warn(SKIP_MESSAGE);
}

const PARTITIONS = 4;
const SEEDS = [21, 22, 23, 24];
const logger = jsonLogger('trainer-scale-out-test', 'warn');

/** One model id per seed, each on its own partition of the samples topic (the producer's hash). */
function modelsOnOwnPartitions(tag: string): { seed: number; modelId: string; partition: number }[] {
  const taken = new Set<number>();
  return SEEDS.map((seed) => {
    for (let i = 0; ; i++) {
      const modelId = `scale-${tag}-${seed}-${i}`;
      const partition = KafkaBus.partitionOf(modelId, PARTITIONS);
      if (!taken.has(partition)) {
        taken.add(partition);
        return { seed, modelId, partition };
      }
    }
  });
}

/** The partitions a trainer process last logged as assigned to it (undefined before its first assignment). */
function lastAssignment(trainer: TrainerProcess): number[] | undefined {
  const lines = trainer
    .logs()
    .split('\n')
    .filter((l) => l.includes('"trainer partitions assigned"'));
  const last = lines.at(-1);
  return last === undefined ? undefined : (JSON.parse(last) as { partitions: number[] }).partitions;
}

async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!available)(`trainer replicas over Kafka at ${TEST_BROKERS.join(',')}`, () => {
  let executor: Executor;
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    executor = createExecutor(await Engine.create());
  });
  afterAll(async () => {
    for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
  }, 120_000);

  it('four models (one partition each) stream at once; a second trainer process joins mid-stream and takes two over, then is killed (SIGKILL); the first takes them back, and every accuracy matrix equals the uninterrupted embedded run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mneme-scale-out-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const prefix = `test-${randomUUID().slice(0, 8)}.`;
    const bus = new KafkaBus({
      brokers: TEST_BROKERS,
      topicPrefix: prefix,
      logger: silentEventLogger,
      retry: { initialMs: 50, maxMs: 500 },
      sessionTimeoutMs: 6_000,
      closeGraceMs: 1_000,
    });
    cleanup.push(() => bus.close());
    await bus.ensureTopics(ALL_EVENT_TOPICS, { partitions: PARTITIONS });
    cleanup.push(() => bus.deleteTopics(ALL_EVENT_TOPICS));
    const models = modelsOnOwnPartitions(prefix.slice(5, 13));
    expect(new Set(models.map((m) => m.partition)).size).toBe(PARTITIONS);

    const evaluator = await startStack({
      services: ['evaluator'],
      dataDir: dir,
      bus,
      executor,
      logger,
      metrics: new ServiceMetrics({ defaultMetrics: false }),
    });
    cleanup.push(() => evaluator.stop());
    const env = {
      MNEME_KAFKA_BROKERS: TEST_BROKERS.join(','),
      MNEME_KAFKA_TOPIC_PREFIX: prefix,
      MNEME_KAFKA_SESSION_TIMEOUT: '6s',
      MNEME_DATA_DIR: dir,
      MNEME_DEVICE: 'cpu',
      MNEME_LOG_LEVEL: 'info',
    };
    // One trainer first: it owns all four partitions, and the four models stream at once through it.
    const survivor = await startTrainerProcess(env);
    cleanup.push(() => survivor.stop('SIGKILL'));
    await until('the first trainer to own every partition', () => lastAssignment(survivor)?.length === PARTITIONS, 60_000);
    const runs = models.map((m) =>
      streamBenchmark({
        benchmark: 'split-mnist',
        strategy: 'mir',
        seed: m.seed,
        modelId: m.modelId,
        trainerAddress: survivor.address,
        evaluatorAddress: evaluator.address,
        executor,
        timeoutMs: 240_000,
      }),
    );
    for (const r of runs) r.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
    const trained = (trainer: TrainerProcess, of: typeof models) => {
      const client = createClient(TrainerServiceClient, trainer.address);
      return Promise.all(
        of.map((m) =>
          unary(client.getTrainingStatus.bind(client), { modelId: m.modelId }).then(
            (s) => Number(s.samplesTrained),
            (err: { kind?: string }) => (err.kind === 'not-found' ? 0 : Promise.reject(err as Error)), // not created yet
          ),
        ),
      ).finally(() => client.close());
    };
    await until('the first trainer to train', async () => (await trained(survivor, models)).some((n) => n >= 200), 120_000);

    // A second trainer joins mid-stream: the group gives it two partitions, whose models the first
    // trainer checkpoints and releases (a graceful handoff) before the newcomer resumes them.
    const doomed = await startTrainerProcess(env);
    cleanup.push(() => doomed.stop('SIGKILL'));
    await until(
      'both trainers to own two partitions',
      () => lastAssignment(doomed)?.length === 2 && lastAssignment(survivor)?.length === 2,
      60_000,
    );
    const doomedPartitions = new Set(lastAssignment(doomed));
    expect([...doomedPartitions, ...lastAssignment(survivor)!].sort()).toEqual([0, 1, 2, 3]);
    const doomedModels = models.filter((m) => doomedPartitions.has(m.partition));
    const store = new FileModelStore(join(dir, 'models-store'));
    const trainerDir = (modelId: string) => store.stateDir(modelId, 'trainer');
    await until(
      'the newcomer to claim its models',
      async () =>
        (
          await Promise.all(
            doomedModels.map(
              async (m) => (await ModelLease.latest(trainerDir(m.modelId)))?.replica.includes(`-${doomed.child.pid}-`) === true,
            ),
          )
        ).every(Boolean),
      60_000,
    );
    for (const m of doomedModels) expect(await ModelLease.isReleased(trainerDir(m.modelId), 1)).toBe(true);
    // The first trainer no longer trains them: it reports their stored progress, and refuses a forget (the owner's log takes it).
    const first = createClient(TrainerServiceClient, survivor.address);
    expect(
      Number((await unary(first.getTrainingStatus.bind(first), { modelId: doomedModels[0]!.modelId })).samplesTrained),
    ).toBeGreaterThan(0);
    await expect(
      unary(first.forgetSamples.bind(first), { modelId: doomedModels[0]!.modelId, sampleIds: ['train-0-0'] }),
    ).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining(`-${doomed.child.pid}-`),
    });
    first.close();

    // Then it is killed (SIGKILL) at a random point mid-stream: the first trainer takes its models back.
    const killAt = 500 + Math.floor(Math.random() * 3000);
    await until(
      `the second trainer to train ${killAt} samples of a model`,
      async () => (await trained(doomed, doomedModels)).some((n) => n >= killAt),
      180_000,
    );
    const before = await trained(doomed, doomedModels);
    await doomed.stop('SIGKILL');
    expect(before.every((n) => n < 5000)).toBe(true);

    const streamed = await Promise.all(runs);
    // The first trainer holds every model again (the killed one's under a later epoch, unreleased), and trained every sample once.
    const client = createClient(TrainerServiceClient, survivor.address);
    for (const m of models) {
      const status = await unary(client.getTrainingStatus.bind(client), { modelId: m.modelId });
      expect([Number(status.samplesTrained), Number(status.optimizerSteps), Number(status.backlog)]).toEqual([5000, 500, 0]);
      const claim = await ModelLease.latest(trainerDir(m.modelId));
      expect(claim?.replica).toContain(`-${survivor.child.pid}-`);
      if (doomedPartitions.has(m.partition)) {
        expect(claim!.epoch).toBe(3);
        expect(await ModelLease.isReleased(trainerDir(m.modelId), 2)).toBe(false);
      }
    }
    client.close();
    // And each model is the uninterrupted one: its accuracy matrix equals the embedded run's.
    for (const [i, m] of models.entries()) {
      const embedded = await runBenchmark({ benchmark: benchmarkByName('split-mnist'), strategy: 'mir', seeds: [m.seed], executor });
      const got = streamed[i]!;
      expect(got.samples).toBe(5000);
      expect(got.randomInit).toEqual(embedded.random_init[0]);
      const expected = embedded.matrix[0]!;
      expect(got.matrix.length).toBe(expected.length);
      got.matrix.forEach((row, r) => row.forEach((a, c) => expect(a).toBeCloseTo(expected[r]![c]!, 6)));
    }
    console.info(
      `second trainer killed (SIGKILL) after ${before.join(', ')} of 5000 samples of its models ${doomedModels.map((m) => m.modelId).join(', ')}; the first finished them`,
    );
  }, 300_000);
});
