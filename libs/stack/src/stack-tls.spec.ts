import { ScenarioKind, TrainerServiceClient } from '@mneme/contracts';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import {
  createClient,
  HAVE_OPENSSL,
  loadTransportSecurity,
  OPENSSL_SKIP_MESSAGE,
  testCertificates,
  unary,
  type ClientTls,
  type TestCertificates,
} from '@mneme/rpc';
import { featureSample, quietLogger, removeDir, tempDataDir, testExecutor } from '@mneme/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type RunningStack } from './start-stack.js';

if (!HAVE_OPENSSL) console.warn(OPENSSL_SKIP_MESSAGE);

// The trainer asks the distiller to drop forgotten samples: a service-to-service call that
// crosses the stack's own mTLS server, so it fails unless the peer clients carry the TLS settings.
describe.skipIf(!HAVE_OPENSSL)('a stack over mTLS: service-to-service calls use the peer TLS', () => {
  let pki: TestCertificates;
  let dir: string;
  let bus: InProcessBus;
  let stack: RunningStack | undefined;
  const clients: { close(): void }[] = [];
  beforeAll(() => {
    pki = testCertificates();
  });
  afterAll(() => pki?.remove());
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await stack?.stop();
    stack = undefined;
    await bus?.close();
    if (dir !== undefined) await removeDir(dir);
  });

  /** A stack of trainer + distiller on `host`, serving the certificate that names only stack.mneme.test. */
  async function start(host: string, peerCa: boolean): Promise<RunningStack> {
    dir = await tempDataDir();
    bus = new InProcessBus({ logger: silentEventLogger });
    const security = loadTransportSecurity({
      cert: pki.named.cert,
      key: pki.named.key,
      clientCa: pki.ca,
      ...(peerCa ? { ca: pki.ca } : {}),
    });
    stack = await startStack({
      services: ['trainer', 'distiller'],
      dataDir: dir,
      bus,
      executor: await testExecutor(),
      logger: quietLogger,
      host,
      tls: security.server,
      peerTls: security.client,
    });
    return stack;
  }

  async function createAndForget(s: RunningStack, tls: ClientTls) {
    const trainer = createClient(TrainerServiceClient, `127.0.0.1:${s.server.port}`, { tls });
    clients.push(trainer);
    await unary(trainer.createModel.bind(trainer), {
      modelId: 'm',
      spec: {
        base: 'mlp:2-4',
        scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
        strategy: { name: 'naive', options: {} },
        labels: ['a', 'b'],
        seed: 0,
      },
    });
    await unary(trainer.ingest.bind(trainer), {
      modelId: 'm',
      samples: [{ sample: featureSample('s1', 'a', [1, 2]), experience: { modelId: 'm', experienceIndex: 0 } }],
    });
    // The trainer logs the sample from the bus right after Ingest answers.
    for (let tries = 0; ; tries++) {
      try {
        return await unary(trainer.forgetSamples.bind(trainer), { modelId: 'm', sampleIds: ['s1'] }, { timeoutMs: 20_000 });
      } catch (err) {
        if ((err as { kind?: string }).kind !== 'not-found' || tries >= 50) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  const client = (): ClientTls => ({
    ca: pki.pem(pki.ca),
    cert: pki.pem(pki.client.cert),
    key: pki.pem(pki.client.key),
    serverName: 'stack.mneme.test',
  });

  it('on a wildcard bind: the trainer reaches the distiller over mTLS, checking the certificate name on loopback', async () => {
    const s = await start('0.0.0.0', true);
    expect(s.localAddress).toBe(`127.0.0.1:${s.server.port}`);
    expect(s.clientTls?.serverName).toBe('stack.mneme.test');
    const res = await createAndForget(s, client());
    expect(res.forgottenIds).toEqual(['s1']);
  }, 30_000);

  it('peer clients that do not trust the CA fail the call to the distiller, as UNAVAILABLE naming it', async () => {
    const s = await start('127.0.0.1', false);
    await expect(createAndForget(s, client())).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining("the distiller's buffers may still hold them"),
    });
  }, 30_000);

  it('refuses a caller without a client certificate', async () => {
    const s = await start('127.0.0.1', true);
    await expect(createAndForget(s, { ca: pki.pem(pki.ca), serverName: 'stack.mneme.test' })).rejects.toMatchObject({
      kind: 'unavailable',
    });
  }, 30_000);
});
