import { EX_CONFIG } from '@mneme/config';
import { HAVE_OPENSSL, healthClient, OPENSSL_SKIP_MESSAGE, testCertificates, type ClientTls, type TestCertificates } from '@mneme/rpc';
import { startServiceProcess, type ServiceProcess } from '@mneme/service-runtime';
import { freePort, removeDir, tempDataDir } from '@mneme/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

if (!HAVE_OPENSSL) console.warn(OPENSSL_SKIP_MESSAGE);

/** Thrown by the stubbed process.exit, so a refused start ends the call instead of the test run. */
class Exited extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

// What a service process does with MNEME_TLS_*, MNEME_GRPC_HOST and MNEME_INSECURE, on the real
// entry point (startServiceProcess) with a module that serves nothing but health.
describe.skipIf(!HAVE_OPENSSL)('a service process: TLS and the plaintext rule from the environment', () => {
  let pki: TestCertificates;
  let dir: string;
  let running: ServiceProcess | undefined;
  let stderr = '';
  beforeAll(async () => {
    pki = testCertificates();
    dir = await tempDataDir();
  });
  afterAll(async () => {
    pki?.remove();
    await removeDir(dir);
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    vi.restoreAllMocks();
  });

  const start = async (env: Record<string, string>) => {
    stderr = '';
    vi.spyOn(process, 'exit').mockImplementation(((code: number) => {
      throw new Exited(code);
    }) as never);
    vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string) => {
      stderr += String(chunk);
      return true;
    }) as never);
    const port = await freePort();
    running = await startServiceProcess('probe', async () => ({ name: 'probe', bindings: [], stop: async () => undefined }), {
      MNEME_DATA_DIR: dir,
      MNEME_DEVICE: 'cpu',
      MNEME_GRPC_PORT: String(port),
      MNEME_LOG_LEVEL: 'warn',
      ...env,
    });
    return port;
  };
  const health = (port: number, tls?: ClientTls) => {
    const client = healthClient(`127.0.0.1:${port}`, tls);
    return client.check('', 3_000).finally(() => client.close());
  };

  it('serves mTLS with MNEME_TLS_CERT, MNEME_TLS_KEY and MNEME_TLS_CLIENT_CA, and plaintext health only on MNEME_HEALTH_PORT', async () => {
    const healthPort = await freePort();
    const port = await start({
      MNEME_TLS_CERT: pki.server.cert,
      MNEME_TLS_KEY: pki.server.key,
      MNEME_TLS_CLIENT_CA: pki.ca,
      MNEME_HEALTH_PORT: String(healthPort),
    });
    expect(await health(port, { ca: pki.pem(pki.ca), cert: pki.pem(pki.client.cert), key: pki.pem(pki.client.key) })).toBe('SERVING');
    await expect(health(port, { ca: pki.pem(pki.ca) })).rejects.toMatchObject({ code: 14 });
    await expect(health(port)).rejects.toMatchObject({ code: 14 });
    // What a Kubernetes gRPC probe sees; nothing but health is served there.
    expect(await health(healthPort)).toBe('SERVING');
    expect(running!.hosted.server.healthPort).toBe(healthPort);
  });

  it('refuses plaintext on 0.0.0.0 before building anything, as a configuration error', async () => {
    await expect(start({ MNEME_GRPC_HOST: '0.0.0.0' })).rejects.toEqual(new Exited(EX_CONFIG));
    expect(stderr).toMatch(
      /Invalid configuration: 1 problem\n {2}- MNEME_GRPC_HOST=0\.0\.0\.0: refusing to serve plaintext gRPC .*MNEME_TLS_CERT and MNEME_TLS_KEY.*MNEME_INSECURE=1/,
    );
  });

  it('serves plaintext on 0.0.0.0 with MNEME_INSECURE=1, and warns', async () => {
    const port = await start({ MNEME_GRPC_HOST: '0.0.0.0', MNEME_INSECURE: '1' });
    expect(await health(port)).toBe('SERVING');
    expect(stderr).toContain('serving plaintext gRPC on a non-loopback address (MNEME_INSECURE=1)');
  });

  it('exits with EX_CONFIG naming each bad variable: a key without its certificate, an unreadable CA, SASL without a user', async () => {
    await expect(
      start({
        MNEME_TLS_KEY: pki.server.key,
        MNEME_TLS_CA: `${pki.dir}/nope.pem`,
        MNEME_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        MNEME_KAFKA_SASL_PASSWORD_FILE: pki.ca,
      }),
    ).rejects.toEqual(new Exited(EX_CONFIG));
    expect(stderr).toContain('Invalid configuration: 3 problems');
    expect(stderr).toContain('MNEME_TLS_KEY is set but MNEME_TLS_CERT is not');
    expect(stderr).toContain(`MNEME_TLS_CA='${pki.dir}/nope.pem': cannot read the file (ENOENT)`);
    expect(stderr).toContain('MNEME_KAFKA_SASL_MECHANISM=scram-sha-512 needs a user: set MNEME_KAFKA_SASL_USERNAME');
  });
});
