import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutor, Engine } from '@mneme/engine';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import { hashToken, loadAccess, type Logger } from '@mneme/rpc';
import { hostServices, ServiceMetrics, type HostedServices, type ServiceDeps } from '@mneme/service-runtime';
import { createTrainerService } from '@mneme/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './index.js';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('MnemeClient tokens against a trainer that requires them', () => {
  let dir: string;
  let deps: ServiceDeps;
  let host: HostedServices;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mneme-client-auth-'));
    await writeFile(
      join(dir, 'tokens.jsonl'),
      JSON.stringify({ sha256: hashToken('acme-secret'), tenant: 'acme', scopes: ['admin', 'read'] }),
    );
    const engine = await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false });
    deps = {
      dataDir: dir,
      bus: new InProcessBus({ logger: silentEventLogger }),
      executor: createExecutor(engine),
      metrics: new ServiceMetrics({ defaultMetrics: false }),
      logger: quiet,
    };
    host = await hostServices({
      modules: [await createTrainerService(deps)],
      metrics: deps.metrics,
      logger: quiet,
      access: loadAccess({ tokensFile: join(dir, 'tokens.jsonl') }),
    });
  });
  afterAll(async () => {
    await host?.stop();
    await deps?.bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the token given to connect, or MNEME_TOKEN, and is refused without one', async () => {
    const withToken = await connect(host.address, { token: 'acme-secret', readyTimeoutMs: 5_000 });
    expect((await withToken.createModel({ modelId: 'm', base: 'mlp:2-4', labels: ['a', 'b'] })).version).toBe(1);
    withToken.close();
    const saved = process.env['MNEME_TOKEN'];
    process.env['MNEME_TOKEN'] = 'acme-secret';
    try {
      const fromEnv = await connect(host.address, { readyTimeoutMs: 5_000 });
      expect((await fromEnv.trainingStatus('m')).modelId).toBe('m');
      fromEnv.close();
      delete process.env['MNEME_TOKEN'];
      const none = await connect(host.address, { readyTimeoutMs: 5_000 });
      await expect(none.trainingStatus('m')).rejects.toMatchObject({ kind: 'unauthenticated' });
      none.close();
    } finally {
      if (saved === undefined) delete process.env['MNEME_TOKEN'];
      else process.env['MNEME_TOKEN'] = saved;
    }
  });
});
