import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DistillationMethod,
  DistillerServiceClient,
  EncoderServiceClient,
  EvaluatorServiceClient,
  JobState,
  MemoryPolicy,
  PromptPoolServiceClient,
  ReplayMemoryServiceClient,
  ScenarioKind,
  TrainerServiceClient,
  DeadLetterEvent,
  ModelUpdatedEvent,
  TOPICS,
} from '@mneme/contracts';
import { InProcessBus, newEventHeader, publishEvent, silentEventLogger } from '@mneme/events';
import { createClient, hashToken, loadAccess, unary, type ClientConstructor } from '@mneme/rpc';
import { failure, quietLogger, removeDir, tempDataDir, testExecutor } from '@mneme/testing';
import { tensor } from '@mneme/tensor';
import { toWire } from '@mneme/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type RunningStack } from './start-stack.js';

const TOKENS = { acme: 'acme-token', globex: 'globex-token' } as const;
type Tenant = keyof typeof TOKENS;
/** A generated gRPC client (the grpc-js type, named without importing grpc-js here). */
type GrpcClient = ReturnType<typeof createClient>;

/**
 * Every resource kind (model, memory, pool, synthetic set) created by one tenant is, for another
 * tenant, exactly as absent as an id nobody created: same status, same message (after the id).
 */
describe('tenants on the embedded stack with auth on', () => {
  let dir: string;
  let bus: InProcessBus;
  let stack: RunningStack;
  const opened: { close(): void }[] = [];
  const as = <C extends GrpcClient>(Ctor: ClientConstructor<C>, tenant: Tenant): C => {
    const client = createClient(Ctor, stack.address, { token: TOKENS[tenant] });
    opened.push(client);
    return client;
  };
  /** The failure of `call(id)` for another tenant's `owned` id equals that of a `missing` id. */
  const sameAsMissing = async (call: (id: string) => Promise<unknown>, owned: string, missing: string) => {
    const theirs = await failure(call(owned));
    const none = await failure(call(missing));
    expect(theirs.kind).toBe('not-found');
    expect(theirs.message).toBe(none.message.replaceAll(missing, owned));
  };

  beforeAll(async () => {
    dir = await tempDataDir();
    const lines = Object.entries(TOKENS).map(([tenant, token]) =>
      JSON.stringify({ sha256: hashToken(token), tenant, scopes: ['admin', 'ingest', 'read', 'predict'] }),
    );
    await writeFile(join(dir, 'tokens.jsonl'), lines.join('\n'));
    bus = new InProcessBus({ logger: silentEventLogger });
    const serviceToken = 'stack-service-token';
    const access = loadAccess({
      tokensFile: join(dir, 'tokens.jsonl'),
      extraTokens: [{ sha256: hashToken(serviceToken), scopes: ['service'] }],
    });
    stack = await startStack({
      services: ['trainer', 'encoder', 'evaluator', 'replay-memory', 'prompt-pool', 'distiller'],
      dataDir: dir,
      bus,
      executor: await testExecutor(),
      logger: quietLogger,
      access,
      serviceToken,
    });
  });
  afterAll(async () => {
    for (const c of opened) c.close();
    await stack.stop();
    await bus.close();
    await removeDir(dir);
  });

  it('models: Predict, DescribeServing and GetAccuracyMatrix of another tenant’s model are NOT_FOUND', async () => {
    const trainer = as(TrainerServiceClient, 'acme');
    const spec = {
      base: 'mlp:2-4',
      scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
      strategy: { name: 'naive', options: {} },
      labels: ['a', 'b'],
      seed: 0,
    };
    await unary(trainer.createModel.bind(trainer), { modelId: 'acme-model', spec });
    const encoder = as(EncoderServiceClient, 'globex');
    const input = { kind: { $case: 'features' as const, value: toWire(tensor('float32', [2], Float32Array.of(1, 0))) } };
    await sameAsMissing(
      (id) => unary(encoder.predict.bind(encoder), { model: { modelId: id, version: 0 }, inputs: [input], topK: 1, taskId: undefined }),
      'acme-model',
      'no-such-model',
    );
    await sameAsMissing((id) => unary(encoder.describeServing.bind(encoder), { modelId: id }), 'acme-model', 'no-such-model');
    const evaluator = as(EvaluatorServiceClient, 'globex');
    await sameAsMissing((id) => unary(evaluator.getAccuracyMatrix.bind(evaluator), { modelId: id }), 'acme-model', 'no-such-model');
    // The owner is served.
    const own = as(EncoderServiceClient, 'acme');
    expect(
      (await unary(own.predict.bind(own), { model: { modelId: 'acme-model', version: 0 }, inputs: [input], topK: 1, taskId: undefined }))
        .predictions,
    ).toHaveLength(1);
    const listed = await unary(encoder.describeServing.bind(encoder), { modelId: '' });
    expect(listed.versions.map((v) => v.model?.modelId)).not.toContain('acme-model');
  });

  it('consumers dead-letter a model-updated event whose tenant does not own the model, naming both', async () => {
    const letters: DeadLetterEvent[] = [];
    await bus.subscribe(TOPICS.deadLetter, 'dlq-watch', async (m) => void letters.push(DeadLetterEvent.decode(m.value)));
    const header = newEventHeader({ modelId: 'acme-model', producer: 'intruder', tenant: 'globex' });
    await publishEvent(
      bus,
      'modelUpdated',
      ModelUpdatedEvent.fromPartial({ header, version: { model: { modelId: 'acme-model', version: 1 } }, reason: 'forged' }),
    );
    await expect
      .poll(() => letters.map((l) => l.consumerGroup.replace(/-[0-9a-f]+$/, '')).sort(), { timeout: 5_000 })
      .toEqual(['encoder', 'evaluator']);
    for (const l of letters)
      expect(l.reason).toContain(`event ${header.eventId} acts for tenant 'globex', which does not own model 'acme-model'`);
  });

  it('memories: DescribeMemory, SampleMemory and DeleteSamples of another tenant’s memory are NOT_FOUND', async () => {
    const acme = as(ReplayMemoryServiceClient, 'acme');
    await unary(acme.createMemory.bind(acme), {
      modelId: 'acme-memory',
      capacity: 4,
      policy: MemoryPolicy.MEMORY_POLICY_RESERVOIR,
      seed: 1,
      replace: false,
      writerEpoch: 0,
    });
    const globex = as(ReplayMemoryServiceClient, 'globex');
    await sameAsMissing((id) => unary(globex.describeMemory.bind(globex), { modelId: id }), 'acme-memory', 'no-such-memory');
    await sameAsMissing(
      (id) => unary(globex.sampleMemory.bind(globex), { modelId: id, count: 1, seed: 0, excludeLabels: [] }),
      'acme-memory',
      'no-such-memory',
    );
    await sameAsMissing(
      (id) => unary(globex.deleteSamples.bind(globex), { modelId: id, sampleIds: ['x'] }),
      'acme-memory',
      'no-such-memory',
    );
    expect((await unary(acme.describeMemory.bind(acme), { modelId: 'acme-memory' })).stats?.capacity).toBe(4);
  });

  it("service-to-service: the trainer replicates a model's memory with its service token, as the model's owner", async () => {
    const trainer = as(TrainerServiceClient, 'acme');
    const spec = {
      base: 'mlp:2-4',
      scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
      strategy: { name: 'er', options: { memory: '8' } },
      labels: ['a', 'b'],
      seed: 0,
    };
    await unary(trainer.createModel.bind(trainer), { modelId: 'acme-er', spec });
    const samples = Array.from({ length: 6 }, (_, i) => ({
      sample: {
        sampleId: `s${i}`,
        label: i % 2 === 0 ? 'a' : 'b',
        metadata: {},
        input: { kind: { $case: 'features' as const, value: toWire(tensor('float32', [2], Float32Array.of(i % 2, 1 - (i % 2)))) } },
      },
      experience: { modelId: 'acme-er', experienceIndex: 0 },
      taskId: undefined,
    }));
    await unary(trainer.ingest.bind(trainer), { modelId: 'acme-er', samples });
    await unary(trainer.closeExperience.bind(trainer), { experience: { modelId: 'acme-er', experienceIndex: 0 }, sampleCount: 6 });
    // Without the stack's service token (or with the wrong tenant) the replication is refused and this never fills.
    const acme = as(ReplayMemoryServiceClient, 'acme');
    const size = async () =>
      unary(acme.describeMemory.bind(acme), { modelId: 'acme-er' }).then(
        (r) => r.stats?.size ?? 0,
        () => -1,
      );
    await expect.poll(size, { timeout: 10_000 }).toBeGreaterThan(0);
    const globex = as(ReplayMemoryServiceClient, 'globex');
    await sameAsMissing((id) => unary(globex.describeMemory.bind(globex), { modelId: id }), 'acme-er', 'no-such-memory');
  });

  it('pools: GetPool and ListPoolVersions of another tenant’s pool are NOT_FOUND', async () => {
    const acme = as(PromptPoolServiceClient, 'acme');
    const pool = { modelId: 'acme-pool', tenant: '' };
    await unary(acme.createPool.bind(acme), { pool, spec: { poolSize: 3, promptLength: 2, topN: 2, hiddenSize: 4, seed: 5 } });
    const globex = as(PromptPoolServiceClient, 'globex');
    await sameAsMissing(
      (id) => unary(globex.getPool.bind(globex), { pool: { modelId: id, tenant: '' }, version: 0, modelVersion: 0 }),
      'acme-pool',
      'no-such-pool',
    );
    await sameAsMissing(
      (id) => unary(globex.listPoolVersions.bind(globex), { pool: { modelId: id, tenant: '' }, page: undefined }),
      'acme-pool',
      'no-such-pool',
    );
    expect((await unary(acme.getPool.bind(acme), { pool, version: 0, modelVersion: 0 })).info?.version).toBe(1);
  });

  it('synthetic sets: the job, the set and the list of another tenant are NOT_FOUND or empty', async () => {
    const acme = as(DistillerServiceClient, 'acme');
    const real = { rows: toWire(tensor('float32', [4, 2], Float32Array.of(1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9))), labels: ['a', 'a', 'b', 'b'] };
    const spec = {
      samplesPerLabel: 1,
      method: DistillationMethod.DISTILLATION_METHOD_BILEVEL,
      innerSteps: 1,
      outerSteps: 2,
      innerLearningRate: 0.05,
      initFromReal: true,
      seed: 4,
      realBatch: 0,
      outerLearningRate: 0,
      initsPerStep: 0,
    };
    const experience = { modelId: 'acme-sets', experienceIndex: 0 };
    const { job } = await unary(acme.startDistillation.bind(acme), {
      experience,
      model: undefined,
      spec,
      real,
      network: { sizes: [2, 2], labels: ['a', 'b'] },
    });
    let state = job!.state;
    for (let i = 0; i < 200 && (state === JobState.JOB_STATE_QUEUED || state === JobState.JOB_STATE_RUNNING); i++) {
      await sleep(25);
      state = (await unary(acme.getDistillationJob.bind(acme), { jobId: job!.jobId })).job!.state;
    }
    expect(state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const globex = as(DistillerServiceClient, 'globex');
    await sameAsMissing((id) => unary(globex.getDistillationJob.bind(globex), { jobId: id }), job!.jobId, 'no-such-job');
    await sameAsMissing(
      (id) => unary(globex.getSyntheticSet.bind(globex), { set: { experience: { modelId: id, experienceIndex: 0 }, version: 0 } }),
      'acme-sets',
      'no-such-sets',
    );
    expect((await unary(globex.listSyntheticSets.bind(globex), { modelId: 'acme-sets', page: undefined })).sets).toEqual([]);
    expect((await unary(acme.listSyntheticSets.bind(acme), { modelId: 'acme-sets', page: undefined })).sets).toHaveLength(1);
  });
});

describe('open mode', () => {
  it('says so in one warning line at start, and not when tokens are required', async () => {
    const dir = await tempDataDir();
    const bus = new InProcessBus({ logger: silentEventLogger });
    const warnings: string[] = [];
    const logger = { ...quietLogger, warn: (message: string) => void warnings.push(message) };
    try {
      const open = await startStack({ services: ['prompt-pool'], dataDir: dir, bus, executor: await testExecutor(), logger });
      await open.stop();
      expect(warnings.filter((w) => w.startsWith('auth is off'))).toHaveLength(1);
      await writeFile(join(dir, 'tokens.jsonl'), JSON.stringify({ sha256: hashToken('t'), tenant: 'acme', scopes: ['read'] }));
      const closed = await startStack({
        services: ['prompt-pool'],
        dataDir: dir,
        bus,
        executor: await testExecutor(),
        logger,
        access: loadAccess({ tokensFile: join(dir, 'tokens.jsonl') }),
      });
      await closed.stop();
      expect(warnings.filter((w) => w.startsWith('auth is off'))).toHaveLength(1);
    } finally {
      await bus.close();
      await removeDir(dir);
    }
  });
});
