/**
 * The strategies that lean on the services most (replay, MIR, prompt pools, distillation) streamed
 * through every service over a real Kafka broker: each accuracy matrix equals `mneme run`'s with the
 * same seed, to 1e-6. Skipped with a message when no broker answers (see libs/events).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutor, Engine } from '@mneme/engine';
import { BROKER_REQUIRED, brokerAnswers, KafkaBus, silentEventLogger, SKIP_MESSAGE, TEST_BROKERS } from '@mneme/events';
import type { Executor } from '@mneme/execution';
import { jsonLogger } from '@mneme/rpc';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ServiceMetrics } from '@mneme/service-runtime';
import {
  EQUALITY_BENCHMARK,
  EQUALITY_OPTIONS,
  expectEqualToEmbedded,
  expectReplicatedMemory,
  KEEPS_SAMPLES,
} from './equality.test-util.js';
import { startStack, type RunningStack } from './start-stack.js';
import { streamBenchmark } from './stream-benchmark.js';

const available = await brokerAnswers();
if (!available) {
  if (BROKER_REQUIRED) throw new Error(SKIP_MESSAGE.replace('SKIPPED', 'REQUIRED but unavailable'));
  console.warn(SKIP_MESSAGE);
}

const SEED = 4;

describe.skipIf(!available)(
  `er, mir, l2p and distill over Kafka at ${TEST_BROKERS.join(',')} equal \`mneme run\` (${EQUALITY_BENCHMARK})`,
  () => {
    let dir: string;
    let executor: Executor;
    let bus: KafkaBus;
    let stack: RunningStack;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mneme-kafka-equality-'));
      executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
      bus = new KafkaBus({
        brokers: TEST_BROKERS,
        topicPrefix: `test-${randomUUID().slice(0, 8)}.`,
        logger: silentEventLogger,
        retry: { initialMs: 50, maxMs: 500 },
        sessionTimeoutMs: 6_000,
        closeGraceMs: 1_000,
      });
      await bus.ensureTopics();
      stack = await startStack({
        dataDir: dir,
        bus,
        executor,
        logger: jsonLogger('kafka-equality-test', 'warn'),
        metrics: new ServiceMetrics({ defaultMetrics: false }),
      });
    }, 120_000);
    afterAll(async () => {
      await stack?.stop();
      await bus?.close();
      await rm(dir, { recursive: true, force: true });
    }, 120_000);

    it.each(['er', 'mir', 'l2p', 'distill'])(
      '%s',
      async (strategy) => {
        const streamed = await streamBenchmark({
          benchmark: EQUALITY_BENCHMARK,
          strategy,
          options: EQUALITY_OPTIONS[strategy] ?? {},
          seed: SEED,
          trainerAddress: stack.address,
          executor,
          timeoutMs: 180_000,
        });
        await expectEqualToEmbedded(streamed, strategy, SEED, executor);
        await expectReplicatedMemory(stack, streamed.modelId, KEEPS_SAMPLES.has(strategy));
      },
      300_000,
    );
  },
);
