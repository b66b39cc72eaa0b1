import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutor, Engine } from '@mneme/engine';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import { HAVE_OPENSSL, hashToken, jsonLogger, loadAccess, OPENSSL_SKIP_MESSAGE, testCertificates, type TestCertificates } from '@mneme/rpc';
import { ServiceMetrics } from '@mneme/service-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from './load-run.js';
import { startStack, type RunningStack } from './start-stack.js';

const TOKEN = 'load-tenant-token';
const SERVICE_TOKEN = 'load-service-token';

/**
 * 64 clients on Ingest and Predict against the embedded stack with mTLS and bearer tokens on
 * (`npm run bench:load` runs 60 s, plaintext and secure side by side, and reports the figures).
 */
describe.skipIf(!HAVE_OPENSSL)('the embedded stack under load with mTLS and tokens (64 clients on Ingest and Predict)', () => {
  let dir: string;
  let bus: InProcessBus;
  let stack: RunningStack;
  let certs: TestCertificates;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mneme-load-'));
    certs = testCertificates();
    await writeFile(
      join(dir, 'tokens.jsonl'),
      JSON.stringify({ sha256: hashToken(TOKEN), tenant: 'load', scopes: ['admin', 'ingest', 'read', 'predict'] }),
    );
    bus = new InProcessBus({ logger: silentEventLogger });
    const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1 }));
    stack = await startStack({
      services: ['trainer', 'encoder'],
      dataDir: join(dir, 'data'),
      bus,
      executor,
      logger: jsonLogger('test', 'error'),
      metrics: new ServiceMetrics({ defaultMetrics: false }),
      tls: { cert: certs.pem(certs.server.cert), key: certs.pem(certs.server.key), clientCa: certs.pem(certs.ca) },
      peerTls: { ca: certs.pem(certs.ca), cert: certs.pem(certs.client.cert), key: certs.pem(certs.client.key) },
      access: loadAccess({
        tokensFile: join(dir, 'tokens.jsonl'),
        extraTokens: [{ sha256: hashToken(SERVICE_TOKEN), scopes: ['service'] }],
      }),
      serviceToken: SERVICE_TOKEN,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await bus?.close();
    certs?.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers every call (RESOURCE_EXHAUSTED aside), and trains exactly the samples it accepted', async () => {
    const tls = { ca: certs.pem(certs.ca), cert: certs.pem(certs.client.cert), key: certs.pem(certs.client.key) };
    const result = await runLoad({ address: stack.address, durationMs: 4_000, connect: { readyTimeoutMs: 10_000, token: TOKEN, tls } });
    expect({ ingestErrors: result.ingest.errors, predictErrors: result.predict.errors }).toEqual({ ingestErrors: {}, predictErrors: {} });
    expect(result.ingest.calls - result.ingest.exhausted).toBeGreaterThan(0);
    expect(result.predict.calls - result.predict.exhausted).toBeGreaterThan(0);
    expect(result.accepted).toBeGreaterThan(0);
    expect(result.trained).toBe(result.accepted);
  }, 120_000);
});

if (!HAVE_OPENSSL) console.warn(OPENSSL_SKIP_MESSAGE);
