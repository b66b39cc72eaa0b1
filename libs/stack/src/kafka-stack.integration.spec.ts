import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchmarkByName, runBenchmark } from '@mneme/benchmarks';
import { DeadLetterEvent, TOPICS, TrainerServiceClient } from '@mneme/contracts';
import { createExecutor, Engine } from '@mneme/engine';
import { BROKER_REQUIRED, brokerAnswers, KafkaBus, silentEventLogger, SKIP_MESSAGE, TEST_BROKERS } from '@mneme/events';
import type { Executor } from '@mneme/execution';
import { createClient, jsonLogger, unary } from '@mneme/rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceMetrics } from '@mneme/service-runtime';
import { startStack } from './start-stack.js';
import { streamBenchmark } from './stream-benchmark.js';
import { freePort, startTrainerProcess } from '@mneme/testing';

const available = await brokerAnswers();
if (!available) {
  if (BROKER_REQUIRED) throw new Error(SKIP_MESSAGE.replace('SKIPPED', 'REQUIRED but unavailable'));
  console.warn(SKIP_MESSAGE);
}

const logger = jsonLogger('kafka-stack-test', 'warn');
const kafkaBus = (prefix: string) =>
  new KafkaBus({
    brokers: TEST_BROKERS,
    topicPrefix: prefix,
    logger: silentEventLogger,
    retry: { initialMs: 50, maxMs: 500 },
    sessionTimeoutMs: 6_000,
    closeGraceMs: 1_000,
  });

/** The accuracy matrix of an embedded `mneme run` with this seed, for comparison. */
async function embeddedMatrix(executor: Executor, seed: number) {
  const report = await runBenchmark({ benchmark: benchmarkByName('split-mnist'), strategy: 'mir', seeds: [seed], executor });
  return { matrix: report.matrix[0]!, randomInit: report.random_init[0]! };
}

function expectSameMatrix(actual: number[][], expected: number[][]) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((a, j) => expect(a).toBeCloseTo(expected[i]![j]!, 6)));
}

describe.skipIf(!available)(`services over Kafka at ${TEST_BROKERS.join(',')}`, () => {
  let executor: Executor;
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    executor = createExecutor(await Engine.create());
  });
  afterAll(async () => {
    for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
  }, 120_000); // Kafka consumers leave their groups one by one

  it('streams Split-MNIST through Kafka to the trainer (ER-MIR): the accuracy matrix equals the embedded run; a malformed event is dead-lettered and the stream goes on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mneme-kafka-stack-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const bus = kafkaBus(`test-${randomUUID().slice(0, 8)}.`);
    cleanup.push(() => bus.close());
    await bus.ensureTopics();
    const deadLetters: DeadLetterEvent[] = [];
    await bus.subscribe(TOPICS.deadLetter, 'test-dead-letters', async (m) => void deadLetters.push(DeadLetterEvent.decode(m.value)));
    const stack = await startStack({
      services: ['trainer', 'evaluator'],
      dataDir: dir,
      bus,
      executor,
      logger,
      metrics: new ServiceMetrics({ defaultMetrics: false }),
    });
    cleanup.push(() => stack.stop());
    // Garbage on the samples topic, before the real stream, keyed by the model it claims to be for.
    await bus.publish(TOPICS.samples, 'split-mnist-mir-5', new TextEncoder().encode('not a protobuf SamplesEvent'));
    const streamed = await streamBenchmark({
      benchmark: 'split-mnist',
      strategy: 'mir',
      seed: 5,
      trainerAddress: stack.address,
      executor,
      timeoutMs: 240_000,
    });
    const embedded = await embeddedMatrix(executor, 5);
    expect(streamed.samples).toBe(5000);
    expect(streamed.randomInit).toEqual(embedded.randomInit);
    expectSameMatrix(streamed.matrix, embedded.matrix);
    expect(deadLetters.length).toBeGreaterThanOrEqual(1);
    expect(deadLetters[0]!.sourceTopic).toBe(TOPICS.samples);
    expect(deadLetters[0]!.reason).toMatch(/not a valid mneme\.v1\.SamplesEvent/);
  }, 300_000);

  it('a trainer killed (SIGKILL) at a random point mid-stream resumes from its checkpoint and committed offsets: no sample lost or trained twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mneme-kafka-kill-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const prefix = `test-${randomUUID().slice(0, 8)}.`;
    const bus = kafkaBus(prefix);
    cleanup.push(() => bus.close());
    await bus.ensureTopics();
    const evaluator = await startStack({
      services: ['evaluator'],
      dataDir: dir,
      bus,
      executor,
      logger,
      metrics: new ServiceMetrics({ defaultMetrics: false }),
    });
    cleanup.push(() => evaluator.stop());
    const port = await freePort();
    const env = {
      MNEME_KAFKA_BROKERS: TEST_BROKERS.join(','),
      MNEME_KAFKA_TOPIC_PREFIX: prefix,
      MNEME_KAFKA_SESSION_TIMEOUT: '6s',
      MNEME_DATA_DIR: dir,
      MNEME_LOG_LEVEL: 'warn',
    };
    let trainer = await startTrainerProcess(env, { port, timeoutMs: 60_000 });
    cleanup.push(() => trainer.stop('SIGKILL'));
    const allClosed = deferred();
    const run = streamBenchmark({
      benchmark: 'split-mnist',
      strategy: 'mir',
      seed: 6,
      trainerAddress: `127.0.0.1:${port}`,
      evaluatorAddress: evaluator.address,
      executor,
      timeoutMs: 240_000,
      onProgress: (e) => void (e.kind === 'closed' && e.experience === 4 && allClosed.resolve()),
    });
    await allClosed.promise;
    const client = createClient(TrainerServiceClient, `127.0.0.1:${port}`);
    const trained = async (): Promise<number> =>
      Number((await unary(client.getTrainingStatus.bind(client), { modelId: 'split-mnist-mir-6' })).samplesTrained);
    // A random point in the first half of what is left to train, reached by polling rather than a
    // fixed delay, so a trainer that nearly keeps up with the stream is still killed mid-stream.
    const atClose = await trained();
    const target = atClose + Math.floor((Math.random() * (5000 - atClose)) / 2);
    let before = atClose;
    while (before < target) {
      await new Promise((r) => setTimeout(r, 5));
      before = await trained();
    }
    await trainer.stop('SIGKILL');
    expect(before).toBeLessThan(5000); // the kill landed mid-stream
    trainer = await startTrainerProcess(env, { port, timeoutMs: 60_000 });
    const streamed = await run;
    const after = await unary(client.getTrainingStatus.bind(client), { modelId: 'split-mnist-mir-6' });
    client.close();
    await trainer.stop('SIGTERM');
    // Counted: every sample trained exactly once, in batches of 10, nothing waiting.
    expect(Number(after.samplesTrained)).toBe(5000);
    expect(Number(after.optimizerSteps)).toBe(500);
    expect(Number(after.backlog)).toBe(0);
    // And the model is the uninterrupted one: the matrix equals the embedded run's.
    const embedded = await embeddedMatrix(executor, 6);
    expect(streamed.randomInit).toEqual(embedded.randomInit);
    expectSameMatrix(streamed.matrix, embedded.matrix);
    console.info(`trainer killed after ${before} of 5000 samples; resumed and finished with 5000 trained once`);
  }, 300_000);
});

function deferred() {
  let resolveIt!: () => void;
  const promise = new Promise<void>((r) => (resolveIt = r));
  return { promise, resolve: resolveIt };
}
