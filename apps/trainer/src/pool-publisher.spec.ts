import { join } from 'node:path';
import { PromptPoolServiceClient } from '@mneme/contracts';
import { POOL_PARAMS } from '@mneme/methods';
import { FileModelStore, type ModelRecord, type VersionRecord } from '@mneme/model-store';
import { createClient, unary } from '@mneme/rpc';
import { fromWire } from '@mneme/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildModelRuntime } from '@mneme/service-runtime';
import { createPromptPoolService } from '@mneme/prompt-pool';
import { aligned } from '@mneme/service-runtime';
import { failure, quietLogger, removeDir, tempDataDir, testDeps, testExecutor } from '@mneme/testing';
import { hostServices, type HostedServices } from '@mneme/service-runtime';
import { freePort } from '@mneme/testing';
import { remotePoolPublisher } from './pool-publisher.js';

const record: ModelRecord = {
  modelId: 'p',
  base: 'mlp:4',
  scenario: 'class-incremental',
  strategy: { name: 'l2p', options: { size: '3', length: '2', select: '2' } },
  labels: ['a', 'b'],
  seed: 7,
  createdAt: 0,
};

describe('the trainer’s prompt-pool publisher', () => {
  let dir: string;
  let store: FileModelStore;
  let version: VersionRecord;
  let host: HostedServices | undefined;

  /** Serves the prompt-pool service on `port`. */
  const servePools = async (port: number) => {
    const deps = await testDeps(join(dir, 'pools'));
    host = await hostServices({ modules: [await createPromptPoolService(deps)], metrics: deps.metrics, logger: quietLogger, port });
    return host.address;
  };

  beforeEach(async () => {
    dir = await tempDataDir();
    store = new FileModelStore(join(dir, 'store'));
    await store.createModel(record);
    const runtime = await buildModelRuntime(record, await testExecutor(), join(dir, 'models'));
    version = await store.saveVersion('p', runtime.strategy.saveState(), { trainedThrough: -1, samplesSeen: 0, version: 1 });
  });
  afterEach(async () => {
    await host?.stop();
    host = undefined;
    await removeDir(dir);
  });

  it('publishes a version’s pool once, tied to the model version, waiting for a service that starts late', async () => {
    const port = await freePort();
    const publisher = remotePoolPublisher({ address: () => `127.0.0.1:${port}`, store, logger: quietLogger, retryForMs: 10_000 });
    const publishing = publisher.publish(version);
    await new Promise((r) => setTimeout(r, 300));
    const address = await servePools(port);
    await publishing;
    await publisher.publish(version);
    const c = createClient(PromptPoolServiceClient, address);
    const { versions } = await unary(c.listPoolVersions.bind(c), { pool: { modelId: 'p', tenant: '' }, page: undefined });
    // CreatePool's untrained pool, then the one pool version of model version 1.
    expect(versions.map((v) => [v.version, v.modelVersion])).toEqual([
      [2, 1],
      [1, 0],
    ]);
    const served = await unary(c.getPool.bind(c), { pool: { modelId: 'p', tenant: '' }, version: 0, modelVersion: 1 });
    const state = await store.loadVersionState('p', 1);
    expect(fromWire(aligned(served.prompts!), { expectDtype: 'float32' }).data).toEqual(state.params.get(POOL_PARAMS.prompts).data);
    // The untrained pool CreatePool draws is the strategy's own (same seed).
    const first = await unary(c.getPool.bind(c), { pool: { modelId: 'p', tenant: '' }, version: 1, modelVersion: 0 });
    expect(fromWire(aligned(first.keys!), { expectDtype: 'float32' }).data).toEqual(state.params.get(POOL_PARAMS.keys).data);
    c.close();
    publisher.close();
  });

  it('fails naming the model, version and service when the service stays unreachable', async () => {
    const port = await freePort();
    const publisher = remotePoolPublisher({ address: () => `127.0.0.1:${port}`, store, logger: quietLogger, retryForMs: 300 });
    const err = await failure(publisher.publish(version));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toContain(
      `could not publish the prompt pool of model 'p' version 1 to the prompt-pool service at 127.0.0.1:${port}`,
    );
    publisher.close();
  });
});
