import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeServingResponse, EncoderServiceClient, EncoderServiceService } from '@mneme/contracts';
import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  certificateName,
  createClient,
  defineService,
  healthClient,
  isLoopbackHost,
  loadTransportSecurity,
  startServer,
  unary,
  type ClientTls,
  type Logger,
  type RunningServer,
  type ServerTls,
} from './index.js';
import { HAVE_OPENSSL, OPENSSL_SKIP_MESSAGE, testCertificates, type TestCertificates } from './test-certificates.js';

if (!HAVE_OPENSSL) console.warn(OPENSSL_SKIP_MESSAGE);

function memoryLogger(): Logger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const encoder = defineService(EncoderServiceService, {
  embed: () => Promise.reject(new MnemeError('failed-precondition', 'not here')),
  predict: () => Promise.reject(new MnemeError('failed-precondition', 'not here')),
  describeServing: async (req) => DescribeServingResponse.fromPartial({ executionProvider: `echo:${req.modelId}` }),
});

describe.skipIf(!HAVE_OPENSSL)('gRPC over TLS on 127.0.0.1', () => {
  let pki: TestCertificates;
  let server: RunningServer | undefined;
  const clients: { close(): void }[] = [];
  beforeAll(() => {
    pki = testCertificates();
  });
  afterAll(() => pki?.remove());
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server?.shutdown();
    server = undefined;
  });

  const serverTls = (mutual: boolean): ServerTls => ({
    cert: pki.pem(pki.server.cert),
    key: pki.pem(pki.server.key),
    ...(mutual ? { clientCa: pki.pem(pki.ca) } : {}),
  });
  const call = (tls: ClientTls | undefined, address = server!.address) => {
    const client = createClient(EncoderServiceClient, address, tls === undefined ? {} : { tls });
    clients.push(client);
    return unary(client.describeServing.bind(client), { modelId: 'm' }, { timeoutMs: 3_000 });
  };
  const failure = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MnemeError);
    return err as MnemeError;
  };

  it('serves a client that trusts its CA, and health over the same channel', async () => {
    server = await startServer({ services: [encoder], tls: serverTls(false), logger: memoryLogger() });
    const res = await call({ ca: pki.pem(pki.ca) });
    expect(res.executionProvider).toBe('echo:m');
    const health = healthClient(server.address, { ca: pki.pem(pki.ca) });
    clients.push(health);
    expect(await health.check('')).toBe('SERVING');
  });

  it('fails a plaintext client, and a client that does not trust the CA, with UNAVAILABLE', async () => {
    server = await startServer({ services: [encoder], tls: serverTls(false), logger: memoryLogger() });
    expect((await failure(call(undefined))).kind).toBe('unavailable');
    expect((await failure(call({ ca: pki.pem(pki.otherCa) }))).kind).toBe('unavailable');
  });

  it('checks the server name: an IP the certificate does not list fails, unless the name is given', async () => {
    server = await startServer({ services: [encoder], host: '127.0.0.2', tls: serverTls(false), logger: memoryLogger() });
    expect((await failure(call({ ca: pki.pem(pki.ca) }))).kind).toBe('unavailable');
    expect((await call({ ca: pki.pem(pki.ca), serverName: 'localhost' })).executionProvider).toBe('echo:m');
  });

  it('mTLS: refuses a client without a certificate or with one of another CA, accepts one with a certificate', async () => {
    server = await startServer({ services: [encoder], tls: serverTls(true), logger: memoryLogger() });
    expect((await failure(call({ ca: pki.pem(pki.ca) }))).kind).toBe('unavailable');
    expect(
      (await failure(call({ ca: pki.pem(pki.ca), cert: pki.pem(pki.otherClient.cert), key: pki.pem(pki.otherClient.key) }))).kind,
    ).toBe('unavailable');
    const res = await call({ ca: pki.pem(pki.ca), cert: pki.pem(pki.client.cert), key: pki.pem(pki.client.key) });
    expect(res.executionProvider).toBe('echo:m');
  });

  it('names the certificate a loopback client should check', () => {
    expect(certificateName(pki.pem(pki.server.cert))).toBe('localhost');
    expect(certificateName(pki.pem(pki.client.cert))).toBe('test-client');
  });

  it('loads the files of the settings into server and client TLS', () => {
    const files = loadTransportSecurity({
      cert: pki.server.cert,
      key: pki.server.key,
      clientCa: pki.ca,
      ca: pki.ca,
      serverName: ' localhost ',
    });
    expect(files.server?.cert.equals(pki.pem(pki.server.cert))).toBe(true);
    expect(files.server?.clientCa?.equals(pki.pem(pki.ca))).toBe(true);
    // The server's certificate is what its clients present to mTLS peers.
    expect(files.client?.cert?.equals(pki.pem(pki.server.cert))).toBe(true);
    expect(files.client?.serverName).toBe('localhost');
    expect(loadTransportSecurity({})).toEqual({ server: undefined, client: undefined });
    // A CA alone: a plaintext server whose clients call TLS peers.
    expect(loadTransportSecurity({ ca: pki.ca }).server).toBeUndefined();
    expect(loadTransportSecurity({ ca: pki.ca }).client?.ca).toBeDefined();
  });

  it('refuses bad settings with every problem, each naming its variable and the fix', () => {
    const problems = (settings: Parameters<typeof loadTransportSecurity>[0]) => {
      try {
        loadTransportSecurity(settings);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidArgumentError);
        return (err as InvalidArgumentError).problems;
      }
      throw new Error('expected a refusal');
    };
    expect(problems({ key: pki.server.key })).toEqual([
      expect.stringMatching(/^MNEME_TLS_KEY is set but MNEME_TLS_CERT is not: .*set MNEME_TLS_CERT too/),
    ]);
    expect(problems({ cert: pki.server.cert })[0]).toMatch(/^MNEME_TLS_CERT is set but MNEME_TLS_KEY is not/);
    expect(problems({ clientCa: pki.ca })[0]).toMatch(/^MNEME_TLS_CLIENT_CA is set but MNEME_TLS_CERT is not/);
    const missing = join(pki.dir, 'missing.pem');
    expect(problems({ cert: missing, key: pki.server.key })).toEqual([
      expect.stringContaining(`MNEME_TLS_CERT='${missing}': cannot read the file (ENOENT)`),
    ]);
    const notPem = join(pki.dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    expect(problems({ cert: pki.server.cert, key: pki.server.key, ca: notPem })).toEqual([
      expect.stringContaining('MNEME_TLS_CA=') && expect.stringContaining('holds no PEM block'),
    ]);
    expect(problems({ cert: pki.server.cert, key: pki.client.key })).toEqual([
      expect.stringMatching(/MNEME_TLS_KEY=.* is not the private key of the certificate in MNEME_TLS_CERT/),
    ]);
    expect(problems({ cert: pki.server.key, key: pki.server.cert })).toHaveLength(2);
    // Flags name themselves when the caller says how its settings are called.
    const flags = { cert: '--tls-cert', key: '--tls-key', clientCa: '--tls-client-ca', ca: '--tls-ca', serverName: '--tls-server-name' };
    expect(() => loadTransportSecurity({ key: pki.server.key }, flags)).toThrow(/--tls-key is set but --tls-cert is not/);
  });
});

describe('plaintext off loopback', () => {
  it('tells loopback addresses from exposed ones', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1'])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'mneme-trainer', '192.168.1.1', '128.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('refuses to serve plaintext on a wildcard address, naming the fixes', async () => {
    const started = startServer({ services: [encoder], host: '0.0.0.0', logger: memoryLogger() });
    await expect(started).rejects.toThrow(
      /refusing to serve plaintext gRPC on 0\.0\.0\.0.*MNEME_TLS_CERT and MNEME_TLS_KEY.*MNEME_INSECURE=1/,
    );
    await expect(started).rejects.toMatchObject({ kind: 'failed-precondition' });
  });

  it('serves plaintext there with allowInsecure (MNEME_INSECURE=1), and warns', async () => {
    const logger = memoryLogger();
    const server = await startServer({ services: [encoder], host: '0.0.0.0', allowInsecure: true, logger });
    try {
      expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
        expect.stringContaining('serving plaintext gRPC on a non-loopback address (MNEME_INSECURE=1)'),
      ]);
      const client = createClient(EncoderServiceClient, `127.0.0.1:${server.port}`);
      expect((await unary(client.describeServing.bind(client), { modelId: 'x' })).executionProvider).toBe('echo:x');
      client.close();
    } finally {
      await server.shutdown();
    }
  });

  it('serves plaintext on loopback without a warning', async () => {
    const logger = memoryLogger();
    const server = await startServer({ services: [encoder], logger });
    await server.shutdown();
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });
});

describe('the plaintext health-only port', () => {
  it('shows the statuses of a TLS server, serves no other service, and follows shutdown', async () => {
    const pki = HAVE_OPENSSL ? testCertificates() : undefined;
    const tls = pki === undefined ? undefined : { cert: pki.pem(pki.server.cert), key: pki.pem(pki.server.key) };
    const server = await startServer({ services: [encoder], logger: memoryLogger(), healthPort: 0, ...(tls === undefined ? {} : { tls }) });
    const probe = healthClient(`127.0.0.1:${server.healthPort}`);
    const other = createClient(EncoderServiceClient, `127.0.0.1:${server.healthPort}`);
    try {
      expect(await probe.check('')).toBe('SERVING');
      expect(await probe.check('mneme.v1.EncoderService')).toBe('SERVING');
      // UNIMPLEMENTED: the port carries no other service.
      await expect(unary(other.describeServing.bind(other), { modelId: 'm' })).rejects.toMatchObject({ cause: { code: 12 } });
      server.setServing('mneme.v1.EncoderService', false);
      expect(await probe.check('mneme.v1.EncoderService')).toBe('NOT_SERVING');
    } finally {
      await server.shutdown();
      other.close();
    }
    await expect(probe.check('', 500)).rejects.toMatchObject({ code: 14 });
    probe.close();
    pki?.remove();
  });
});
