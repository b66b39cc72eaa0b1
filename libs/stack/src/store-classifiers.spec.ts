import { ReplayMemoryServiceClient, ScenarioKind, TrainerServiceClient } from '@mneme/contracts';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import { createClient, unary } from '@mneme/rpc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, quietLogger, tempDataDir, testExecutor } from '@mneme/testing';
import { featureSample, memorySample } from '@mneme/testing';
import { ServiceMetrics } from '@mneme/service-runtime';
import { startStack, type RunningStack } from './start-stack.js';

describe('MIR retrieval on model-store versions (trainer + replay-memory)', () => {
  let dir: string;
  let stack: RunningStack;
  let bus: InProcessBus;

  beforeEach(async () => {
    dir = await tempDataDir();
    bus = new InProcessBus({ logger: silentEventLogger });
    stack = await startStack({
      services: ['trainer', 'replay-memory'],
      dataDir: dir,
      bus,
      executor: await testExecutor(),
      logger: quietLogger,
      metrics: new ServiceMetrics({ defaultMetrics: false }),
    });
  });
  afterEach(async () => {
    await stack.stop();
    await bus.close();
    await removeDir(dir);
  });

  it('scores memory candidates with the version the trainer saved, and refuses a model with no single classifier', async () => {
    const trainer = createClient(TrainerServiceClient, stack.address);
    const memory = createClient(ReplayMemoryServiceClient, stack.address);
    const create = (modelId: string, strategy: string) =>
      unary(trainer.createModel.bind(trainer), {
        modelId,
        spec: {
          base: 'mlp:4-8',
          scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
          strategy: { name: strategy, options: {} },
          labels: ['a', 'b', 'c'],
          seed: 2,
        },
      });
    await create('m', 'mir');
    await unary(memory.createMemory.bind(memory), { modelId: 'm', capacity: 20, policy: 0, seed: 1, replace: false, writerEpoch: 0 });
    const row = (i: number) => [Math.sin(i), Math.cos(i), (i % 5) / 5, 1];
    await unary(memory.addSamples.bind(memory), {
      modelId: 'm',
      samples: Array.from({ length: 12 }, (_, i) => memorySample(`s${i}`, i % 2 === 0 ? 'a' : 'b', row(i))),
      removeIds: [],
      writerEpoch: 0,
    });
    const res = await unary(memory.retrieveInterfered.bind(memory), {
      model: { modelId: 'm', version: 1 },
      parameters: {},
      incoming: [featureSample('new', 'c', row(99))],
      learningRate: 0.5,
      candidates: 8,
      topK: 3,
      seed: 0,
    });
    expect(res.retrieved.length).toBe(3);
    expect(res.interference.every((v, i) => i === 0 || v <= res.interference[i - 1]!)).toBe(true);
    await create('k', 'knn');
    await unary(memory.createMemory.bind(memory), { modelId: 'k', capacity: 5, policy: 0, seed: 1, replace: false, writerEpoch: 0 });
    await unary(memory.addSamples.bind(memory), { modelId: 'k', samples: [memorySample('x', 'a', row(1))], removeIds: [], writerEpoch: 0 });
    await expect(
      unary(memory.retrieveInterfered.bind(memory), {
        model: { modelId: 'k', version: 1 },
        parameters: {},
        incoming: [featureSample('n', 'b', row(2))],
        learningRate: 0.1,
        candidates: 4,
        topK: 1,
        seed: 0,
      }),
    ).rejects.toMatchObject({ kind: 'failed-precondition', message: expect.stringMatching(/no single classifier/) });
    trainer.close();
    memory.close();
  });
});
