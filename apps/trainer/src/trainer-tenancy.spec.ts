import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeadLetterEvent, ScenarioKind, TOPICS, TrainerServiceClient, type TrainingSample } from '@mneme/contracts';
import { InProcessBus, newEventHeader, publishEvent, silentEventLogger } from '@mneme/events';
import { createClient, hashToken, loadAccess, unary } from '@mneme/rpc';
import { hostServices, type HostedServices, type ServiceDeps } from '@mneme/service-runtime';
import { failure, featureSample, removeDir, tempDataDir, testDeps } from '@mneme/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainerService, type TrainerModule } from './trainer-service.js';

const TOKENS = { acme: 'acme-token', globex: 'globex-token' };
const spec = {
  base: 'mlp:2-4',
  scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
  strategy: { name: 'naive', options: {} },
  labels: ['a', 'b'],
  seed: 0,
};
const sample = (id: string, label: string): TrainingSample => ({
  sample: featureSample(id, label, [1, 0]),
  experience: { modelId: 'owned', experienceIndex: 0 },
});

describe('trainer: models belong to the tenant that created them', () => {
  let dir: string;
  let bus: InProcessBus;
  let deps: ServiceDeps;
  let trainer: TrainerModule;
  let host: HostedServices;
  const clients: TrainerServiceClient[] = [];
  const as = (tenant: keyof typeof TOKENS) => {
    const client = createClient(TrainerServiceClient, host.address, { token: TOKENS[tenant] });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    dir = await tempDataDir();
    const entries = Object.entries(TOKENS).map(([tenant, token]) =>
      JSON.stringify({ sha256: hashToken(token), tenant, scopes: ['admin', 'ingest', 'read'] }),
    );
    await writeFile(join(dir, 'tokens.jsonl'), entries.join('\n'));
    bus = new InProcessBus({ logger: silentEventLogger });
    deps = await testDeps(dir, bus);
    trainer = await createTrainerService(deps);
    host = await hostServices({
      modules: [trainer],
      metrics: deps.metrics,
      logger: deps.logger,
      access: loadAccess({ tokensFile: join(dir, 'tokens.jsonl') }),
    });
    await unary(as('acme').createModel.bind(clients[0]), { modelId: 'owned', spec });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await host.stop();
    await bus.close();
    await removeDir(dir);
  });

  it("answers NOT_FOUND to another tenant on every model RPC, with a missing model's message", async () => {
    const globex = as('globex');
    const missing = await failure(unary(globex.getTrainingStatus.bind(globex), { modelId: 'never-created' }));
    expect(missing.kind).toBe('not-found');
    const calls: [string, () => Promise<unknown>][] = [
      ['getTrainingStatus', () => unary(globex.getTrainingStatus.bind(globex), { modelId: 'owned' })],
      ['listModelVersions', () => unary(globex.listModelVersions.bind(globex), { modelId: 'owned', page: undefined })],
      ['ingest', () => unary(globex.ingest.bind(globex), { modelId: 'owned', samples: [sample('s1', 'a')] })],
      [
        'closeExperience',
        () => unary(globex.closeExperience.bind(globex), { experience: { modelId: 'owned', experienceIndex: 0 }, sampleCount: 1 }),
      ],
      ['promoteModelVersion', () => unary(globex.promoteModelVersion.bind(globex), { model: { modelId: 'owned', version: 1 } })],
      ['forgetSamples', () => unary(globex.forgetSamples.bind(globex), { modelId: 'owned', sampleIds: ['s1'] })],
    ];
    for (const [name, call] of calls) {
      const err = await failure(call());
      expect({ name, kind: err.kind, message: err.message }).toEqual({
        name,
        kind: 'not-found',
        message: missing.message.replace('never-created', 'owned'),
      });
    }
  });

  it('counts refused calls in the request metrics, by code', async () => {
    const anonymous = createClient(TrainerServiceClient, host.address);
    clients.push(anonymous);
    expect((await failure(unary(anonymous.getTrainingStatus.bind(anonymous), { modelId: 'owned' }))).kind).toBe('unauthenticated');
    const text = await deps.metrics.registry.getSingleMetricAsString('mneme_grpc_requests_total');
    expect(text).toMatch(
      /mneme_grpc_requests_total\{service="mneme\.v1\.TrainerService",method="GetTrainingStatus",code="unauthenticated"\} 1/,
    );
  });

  it('serves the owner, and refuses a re-create of the id by another tenant without showing its definition', async () => {
    const acme = as('acme');
    const status = await unary(acme.getTrainingStatus.bind(acme), { modelId: 'owned' });
    expect(status.modelId).toBe('owned');
    const globex = as('globex');
    expect((await failure(unary(globex.createModel.bind(globex), { modelId: 'owned', spec }))).kind).toBe('already-exists');
  });

  it("dead-letters a samples event whose tenant does not own the model, naming both, and trains the owner's", async () => {
    const letters: DeadLetterEvent[] = [];
    await bus.subscribe(TOPICS.deadLetter, 'dlq-watch', async (m) => void letters.push(DeadLetterEvent.decode(m.value)));
    const foreign = newEventHeader({ modelId: 'owned', producer: 'test', tenant: 'globex' });
    // The in-process bus waits for the trainer (it persists), so the refusal reaches the publisher too.
    await expect(publishEvent(bus, 'samples', { header: foreign, samples: [sample('x1', 'a')] })).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining("which does not own model 'owned'"),
    });
    const acme = as('acme');
    expect((await unary(acme.ingest.bind(acme), { modelId: 'owned', samples: [sample('s2', 'b')] })).accepted).toBe(1);
    await unary(acme.closeExperience.bind(acme), { experience: { modelId: 'owned', experienceIndex: 0 }, sampleCount: 1 });
    await expect.poll(() => trainer.owned()).toContain('owned');
    await trainer.drained('owned');
    await expect.poll(() => letters.length).toBe(1);
    expect(letters[0]!.reason).toContain(`event ${foreign.eventId} acts for tenant 'globex', which does not own model 'owned'`);
    const trained = async () => Number((await unary(acme.getTrainingStatus.bind(acme), { modelId: 'owned' })).samplesTrained);
    await expect.poll(trained, { timeout: 5_000 }).toBe(1);
  });
});
