import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutor, Engine } from '@mneme/engine';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import {
  HAVE_OPENSSL,
  loadTransportSecurity,
  OPENSSL_SKIP_MESSAGE,
  testCertificates,
  type Logger,
  type TestCertificates,
} from '@mneme/rpc';
import { hostServices, ServiceMetrics, type HostedServices } from '@mneme/service-runtime';
import { createTrainerService } from '@mneme/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, loadClientTls, MnemeError } from './index.js';

if (!HAVE_OPENSSL) console.warn(OPENSSL_SKIP_MESSAGE);

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe.skipIf(!HAVE_OPENSSL)('connect over mTLS to a real trainer on loopback', () => {
  let pki: TestCertificates;
  let dir: string;
  let host: HostedServices;
  let bus: InProcessBus;
  let engine: Engine;

  beforeAll(async () => {
    pki = testCertificates();
    dir = await mkdtemp(join(tmpdir(), 'mneme-client-tls-'));
    engine = await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false });
    bus = new InProcessBus({ logger: silentEventLogger });
    const deps = {
      dataDir: dir,
      bus,
      executor: createExecutor(engine),
      metrics: new ServiceMetrics({ defaultMetrics: false }),
      logger: quiet,
    };
    const { server } = loadTransportSecurity({ cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca });
    host = await hostServices({ modules: [await createTrainerService(deps)], metrics: deps.metrics, logger: quiet, tls: server });
  });
  afterAll(async () => {
    await host?.stop();
    await bus?.close();
    await engine?.dispose();
    await rm(dir, { recursive: true, force: true });
    pki?.remove();
  });

  it('works with the CA and a client certificate read from files', async () => {
    const mneme = await connect(host.address, {
      tls: loadClientTls({ ca: pki.ca, cert: pki.client.cert, key: pki.client.key }),
      readyTimeoutMs: 5_000,
    });
    try {
      const v = await mneme.createModel({ modelId: 'tls-m', base: 'mlp:2-4', labels: ['a', 'b'] });
      expect(v.version).toBe(1);
    } finally {
      mneme.close();
    }
  });

  it('a plaintext client is unavailable; so is a client without a certificate', async () => {
    const plain = connect(host.address, { readyTimeoutMs: 500 });
    await expect(plain).rejects.toBeInstanceOf(MnemeError);
    await expect(plain).rejects.toMatchObject({ kind: 'unavailable' });
    const anonymous = await connect(host.address, { tls: loadClientTls({ ca: pki.ca }), readyTimeoutMs: 0, timeoutMs: 5_000 });
    try {
      await expect(anonymous.listVersions('tls-m')).rejects.toMatchObject({ kind: 'unavailable' });
    } finally {
      anonymous.close();
    }
  });

  it('names the file problems with the variables mneme up reads', () => {
    expect(() => loadClientTls({ cert: pki.client.cert })).toThrow(/MNEME_TLS_CERT is set but MNEME_TLS_KEY is not/);
    expect(loadClientTls({})).toEqual({});
  });
});
