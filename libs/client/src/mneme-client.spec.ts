import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutor, Engine } from '@mneme/engine';
import { MnemeError } from '@mneme/errors';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import type { Logger } from '@mneme/rpc';
import { createEncoderService } from '@mneme/encoder';
import { createEvaluatorService } from '@mneme/evaluator';
import { hostServices, ServiceMetrics, type HostedServices, type ServiceDeps } from '@mneme/service-runtime';
import { createTrainerService } from '@mneme/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type MnemeClient, type SampleInput } from './index.js';

// Set MNEME_TEST_LOG=1 to see the services' warnings and errors.
const shout = (level: string) => (message: string, fields?: Record<string, unknown>) =>
  process.env['MNEME_TEST_LOG'] ? console.error(level, message, fields) : undefined;
const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: shout('warn'), error: shout('error') };

/** `count` separable samples of an experience: label a when x0 > 0. */
const samples = (experience: number, count: number, prefix = 's'): SampleInput[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${experience}-${i}`,
    label: i % 2 === 0 ? 'a' : 'b',
    features: [i % 2 === 0 ? 1 + (i % 3) / 10 : -1 - (i % 3) / 10, 0.5, experience, (i % 4) / 4],
    experience,
  }));

async function failure(call: Promise<unknown>): Promise<MnemeError> {
  const outcome = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(MnemeError);
  return outcome as MnemeError;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('MnemeClient against real services on loopback', () => {
  let dir: string;
  let deps: ServiceDeps;
  let host: HostedServices;
  let mneme: MnemeClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mneme-client-'));
    const engine = await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false });
    deps = {
      dataDir: dir,
      bus: new InProcessBus({ logger: silentEventLogger }),
      executor: createExecutor(engine),
      metrics: new ServiceMetrics({ defaultMetrics: false }),
      logger: quiet,
    };
    // One address serves all three services, as `mneme up` does.
    const modules = [
      await createTrainerService(deps, { checkpointEvery: 10_000 }),
      await createEncoderService(deps),
      await createEvaluatorService(deps),
    ];
    host = await hostServices({ modules, metrics: deps.metrics, logger: quiet });
    mneme = await connect(host.address);
  });
  afterAll(async () => {
    mneme?.close();
    await host?.stop();
    await deps?.bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a model, ingests two experiences, closes them, predicts and lists the versions', async () => {
    const v1 = await mneme.createModel({
      modelId: 'demo',
      base: 'mlp:4-8',
      labels: ['a', 'b'],
      strategy: { name: 'naive', options: { lr: '0.5' } },
      seed: 3,
    });
    expect(v1).toMatchObject({ modelId: 'demo', version: 1, trainedThrough: undefined, labels: ['a', 'b'] });
    const first = await mneme.ingest('demo', [...samples(0, 30), ...samples(1, 20)]);
    expect(first).toEqual({ accepted: 50, duplicateIds: [] });
    // Repeats (a retry) are trained once and counted once for the close.
    await mneme.ingest('demo', samples(1, 22));
    expect(await mneme.closeExperience('demo', 0)).toEqual({ sampleCount: 30 });
    expect(await mneme.closeExperience('demo', 1)).toEqual({ sampleCount: 22 });
    const versions = await eventually(
      () => mneme.listVersions('demo'),
      (vs) => vs.length >= 3,
    );
    expect(versions.map((v) => [v.version, v.trainedThrough])).toEqual([
      [3, 1],
      [2, 0],
      [1, undefined],
    ]);
    const status = await mneme.trainingStatus('demo');
    expect(status).toMatchObject({ modelId: 'demo', strategy: 'naive', samplesTrained: 52 });
    const predicted = await eventually(
      () => mneme.predict('demo', [[1.1, 0.5, 1, 0], new Float32Array([-1.1, 0.5, 1, 0])], { topK: 1 }),
      (p) => p.servedBy.version === 3,
    );
    expect(predicted.servedBy).toEqual({ modelId: 'demo', version: 3 });
    expect(predicted.predictions.map((p) => p.map((s) => s.label))).toEqual([['a'], ['b']]);
    const promoted = await mneme.promote('demo', 2);
    expect(promoted).toMatchObject({ version: 2, state: 'promoted' });
    const pinned = await mneme.predict('demo', [[1, 0, 0, 0]], { version: 3 });
    expect(pinned.servedBy.version).toBe(3);
    const matrix = await mneme.accuracyMatrix('demo');
    expect(Array.isArray(matrix.rows)).toBe(true);
    // A data-deletion request names the versions that saw the sample (naive keeps no memory).
    const forgotten = await mneme.forget('demo', [samples(0, 30)[0]!.id]);
    expect(forgotten).toEqual({
      forgottenIds: [samples(0, 30)[0]!.id],
      versionsTrainedOnThem: [3, 2],
      unlearning: 'excluded',
      removedFromMemory: 0,
    });
  });

  it('embeds features of a feature model, normalised by default', async () => {
    await mneme.createModel({ modelId: 'emb', base: 'mlp:4-8', labels: ['a', 'b'] });
    const unit = await mneme.embed([[3, 4, 0, 0]], { modelId: 'emb' });
    expect(unit.dimension).toBe(4);
    expect([...unit.vectors[0]!].map((x) => Number(x.toFixed(4)))).toEqual([0.6, 0.8, 0, 0]);
    const raw = await mneme.embed([[3, 4, 0, 0]], { modelId: 'emb', normalize: false });
    expect([...raw.vectors[0]!]).toEqual([3, 4, 0, 0]);
  });

  it('reports domain errors as MnemeError with the status kind', async () => {
    expect(await failure(mneme.trainingStatus('missing'))).toMatchObject({ kind: 'not-found' });
    expect(await failure(mneme.predict('missing', [[1, 2, 3, 4]]))).toMatchObject({ kind: 'not-found' });
    expect(await failure(mneme.createModel({ modelId: 'bad', base: 'mlp:4-8', labels: ['ok', ''] }))).toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('spec.labels[1]: the label is empty'),
    });
    expect(await failure(mneme.ingest('demo', [{ id: 'x', label: 'a', experience: 0 }]))).toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('exactly one of features and text'),
    });
    expect(await failure(mneme.promote('demo', 0))).toMatchObject({ kind: 'invalid-argument' });
  });

  it('fails to connect with unavailable, naming the service', async () => {
    const err = await failure(connect({ trainer: host.address, encoder: '127.0.0.1:1', evaluator: host.address }, { readyTimeoutMs: 300 }));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toContain('encoder service at 127.0.0.1:1');
  });
});
