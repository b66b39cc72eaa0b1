/**
 * Load: 64 clients (half Ingest, half Predict) against the embedded stack (trainer and encoder on
 * one loopback server, in-process bus) for a fixed time, first in plaintext with auth off, then
 * with mTLS and bearer tokens on (one tenant, static token file). Both runs in one process, one
 * after the other. Prints one JSON object per line: requests/s and p50/p99 per RPC, errors other
 * than RESOURCE_EXHAUSTED (must be 0), and accepted vs trained samples (must be equal);
 * ratio = the secure run's value / the plain run's.
 *
 * Run: npm run bench:load [-- --seconds 60]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutor, Engine } from '@mneme/engine';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import { hashToken, jsonLogger, loadAccess, testCertificates } from '@mneme/rpc';
import { ServiceMetrics } from '@mneme/service-runtime';
import { runLoad, startStack, type LoadResult } from '@mneme/stack';

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const SECONDS = Number(argument('--seconds') ?? 60);
if (!(SECONDS > 0)) throw new Error(`--seconds takes a positive number, got '${argument('--seconds')}'`);
const executor = createExecutor(await Engine.create());

async function run(secure: boolean): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'mneme-bench-load-'));
  const bus = new InProcessBus({ logger: silentEventLogger });
  const certs = secure ? testCertificates() : undefined;
  const token = 'bench-tenant-token';
  const serviceToken = 'bench-service-token';
  let access;
  if (secure) {
    await writeFile(
      join(dir, 'tokens.jsonl'),
      JSON.stringify({ sha256: hashToken(token), tenant: 'bench', scopes: ['admin', 'ingest', 'read', 'predict'] }),
    );
    access = loadAccess({ tokensFile: join(dir, 'tokens.jsonl'), extraTokens: [{ sha256: hashToken(serviceToken), scopes: ['service'] }] });
  }
  const stack = await startStack({
    services: ['trainer', 'encoder'],
    dataDir: join(dir, 'data'),
    bus,
    executor,
    logger: jsonLogger('bench', 'error'),
    metrics: new ServiceMetrics({ defaultMetrics: false }),
    ...(certs === undefined || access === undefined
      ? {}
      : {
          tls: { cert: certs.pem(certs.server.cert), key: certs.pem(certs.server.key), clientCa: certs.pem(certs.ca) },
          peerTls: { ca: certs.pem(certs.ca), cert: certs.pem(certs.client.cert), key: certs.pem(certs.client.key) },
          access,
          serviceToken,
        }),
  });
  try {
    return await runLoad({
      address: stack.address,
      durationMs: SECONDS * 1000,
      connect: {
        readyTimeoutMs: 10_000,
        ...(certs === undefined
          ? {}
          : { token, tls: { ca: certs.pem(certs.ca), cert: certs.pem(certs.client.cert), key: certs.pem(certs.client.key) } }),
      },
    });
  } finally {
    await stack.stop();
    await bus.close();
    certs?.remove();
    await rm(dir, { recursive: true, force: true });
  }
}

const plain = await run(false);
const secure = await run(true);
const emit = (metric: string, unit: string, pick: (r: LoadResult) => number) =>
  console.log(
    JSON.stringify({
      bench: 'load',
      metric,
      value: +pick(secure).toFixed(2),
      unit,
      plain: +pick(plain).toFixed(2),
      ratio: +(pick(secure) / Math.max(pick(plain), 1e-9)).toFixed(3),
      ratio_to: 'plaintext, auth off',
    }),
  );
console.log(JSON.stringify({ bench: 'load', metric: 'setup', clients: 64, seconds: SECONDS, value: SECONDS, unit: 's' }));
for (const rpc of ['ingest', 'predict'] as const) {
  emit(`${rpc}_per_s`, 'requests/s', (r) => r[rpc].perSecond);
  emit(`${rpc}_p50`, 'ms', (r) => r[rpc].p50Ms);
  emit(`${rpc}_p99`, 'ms', (r) => r[rpc].p99Ms);
  emit(`${rpc}_resource_exhausted`, 'calls', (r) => r[rpc].exhausted);
  emit(`${rpc}_other_errors`, 'calls', (r) => Object.values(r[rpc].errors).reduce((a, b) => a + b, 0));
}
emit('accepted_minus_trained', 'samples', (r) => r.accepted - r.trained);
emit('samples_accepted', 'samples', (r) => r.accepted);
