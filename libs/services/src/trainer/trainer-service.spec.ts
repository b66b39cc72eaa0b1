import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScenarioKind, TrainerServiceClient, type TrainingSample } from '@mneme/contracts';
import { createExecutor, Engine } from '@mneme/engine';
import { InProcessBus } from '@mneme/events';
import type { Executor } from '@mneme/execution';
import { createClient, jsonLogger, unary } from '@mneme/rpc';
import { tensor } from '@mneme/tensor';
import { toWire } from '@mneme/wire';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ServiceMetrics } from '../runtime/service-metrics.js';
import { startStack, type RunningStack } from '../stack/start-stack.js';

const sample = (id: string, label: string, features: number[], experience = 0): TrainingSample => ({
  sample: { sampleId: id, label, input: { kind: { $case: 'features', value: toWire(tensor('float32', [features.length], Float32Array.from(features))) } }, metadata: {} },
  experience: { modelId: 'm', experienceIndex: experience },
});

describe('trainer service', () => {
  let executor: Executor;
  let dir: string;
  let bus: InProcessBus;
  let stack: RunningStack;
  let client: TrainerServiceClient;

  const start = async () => {
    bus = new InProcessBus();
    stack = await startStack({ services: ['trainer'], dataDir: dir, bus, executor, logger: jsonLogger('test', 'error'), metrics: new ServiceMetrics({ defaultMetrics: false }) });
    client = createClient(TrainerServiceClient, stack.address);
  };
  const stop = async () => {
    client.close();
    await stack.stop();
    await bus.close();
  };
  const status = () => unary(client.getTrainingStatus.bind(client), { modelId: 'm' });
  /** Waits until the trainer's status matches (events reach the trainer asynchronously, as on Kafka). */
  const until = async (expected: Record<string, number>) => {
    for (let i = 0; i < 200; i++) {
      const s = await status();
      if (Object.entries(expected).every(([k, v]) => Number(s[k as keyof typeof s]) === v)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await status()).toMatchObject(expected);
  };

  beforeAll(async () => void (executor = createExecutor(await Engine.create())));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mneme-trainer-'));
    await start();
    await unary(client.createModel.bind(client), {
      modelId: 'm',
      spec: { base: 'mlp:2-4', scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL, strategy: { name: 'er', options: { memory: '4', 'batch-size': '2' } }, labels: ['a', 'b'], seed: 1 },
    });
  });
  afterEach(async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects bad models and samples with INVALID_ARGUMENT naming every problem, and stores nothing', async () => {
    await expect(
      unary(client.createModel.bind(client), { modelId: 'x y', spec: { base: 'mlp:2', scenario: 0, strategy: { name: 'nope', options: {} }, labels: ['a', 'a'], seed: 0 } }),
    ).rejects.toMatchObject({ kind: 'invalid-argument', message: expect.stringMatching(/model id[\s\S]*repeats 'a'/) });
    await expect(
      unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('s1', 'zebra', [1, 2]), sample('s2', 'a', [Number.NaN, 0]), sample('s3', 'a', [1, 2, 3])] }),
    ).rejects.toMatchObject({ kind: 'invalid-argument', message: expect.stringMatching(/label 'zebra'/) });
    await expect(unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('s2', 'a', [Number.NaN, 0])] })).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/non-finite|NaN/i),
    });
    await expect(unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('s3', 'a', [1, 2, 3])] })).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/3 features, the model takes 2/),
    });
    await expect(unary(client.ingest.bind(client), { modelId: 'ghost', samples: [sample('s1', 'a', [1, 2])] })).rejects.toMatchObject({ kind: 'not-found' });
    expect(Number((await status()).samplesTrained)).toBe(0);
  });

  it('trains ingested samples once (repeats are reported), versions each closed experience, and resumes after a restart', async () => {
    expect(await unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('s1', 'a', [1, 0]), sample('s2', 'a', [0.9, 0.1]), sample('s3', 'a', [1, 0.2])] })).toMatchObject({ accepted: 3 });
    await until({ samplesTrained: 2, backlog: 1 }); // one full batch; the third sample waits for its batch
    expect((await unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('s1', 'a', [1, 0])] })).duplicateIds).toEqual(['s1']);
    await unary(client.closeExperience.bind(client), { experience: { modelId: 'm', experienceIndex: 0 }, sampleCount: 3 });
    await until({ samplesTrained: 3, optimizerSteps: 2, backlog: 0 });
    await unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('t1', 'b', [0, 1], 1)] });
    await until({ backlog: 1 });
    await stop();
    await start(); // the partial batch of experience 1 was logged, not trained: the restart picks it up
    await unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('t2', 'b', [0.1, 1], 1)] });
    await unary(client.closeExperience.bind(client), { experience: { modelId: 'm', experienceIndex: 1 }, sampleCount: 2 });
    await until({ samplesTrained: 5, optimizerSteps: 3, backlog: 0 });
    let versions = (await unary(client.listModelVersions.bind(client), { modelId: 'm' })).versions;
    for (let i = 0; i < 200 && versions.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 25)); // the version is saved just after the last step
      versions = (await unary(client.listModelVersions.bind(client), { modelId: 'm' })).versions;
    }
    expect(versions.map((v) => [Number(v.model?.version), v.trainedThrough?.experienceIndex ?? -1])).toEqual([
      [3, 1],
      [2, 0],
      [1, -1],
    ]);
    const promoted = await unary(client.promoteModelVersion.bind(client), { model: { modelId: 'm', version: 2 } });
    expect(promoted.version?.state).toBe(2);
  });
});
