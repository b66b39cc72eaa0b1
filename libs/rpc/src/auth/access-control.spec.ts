import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as contracts from '@mneme/contracts';
import { DescribeServingResponse, EncoderServiceClient, EncoderServiceService } from '@mneme/contracts';
import { MnemeError } from '@mneme/errors';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  defineService,
  healthClient,
  startServer,
  unary,
  type AsyncService,
  type CallContext,
  type Logger,
  type RunningServer,
} from '../index.js';
import { loadAccess } from './load-access.js';
import { METHOD_SCOPES } from './method-scopes.js';
import { hashToken } from './static-tokens.js';

const none = (): void => undefined;
const quiet: Logger = { debug: none, info: none, warn: none, error: none };

/** Every method path of every service definition the contracts export. */
function contractMethodPaths(): string[] {
  const isMethod = (m: unknown): m is { path: string } =>
    typeof m === 'object' && m !== null && typeof (m as { path?: unknown }).path === 'string' && 'requestStream' in m;
  return (Object.values(contracts) as unknown[])
    .filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && Object.values(v).some(isMethod))
    .flatMap((def) =>
      Object.values(def)
        .filter(isMethod)
        .map((m) => m.path),
    );
}

describe('scope table', () => {
  it('gives every RPC of every service definition a scope, and names no RPC that does not exist', () => {
    const paths = contractMethodPaths();
    expect(paths.length).toBeGreaterThanOrEqual(29);
    expect(paths.filter((p) => !(p in METHOD_SCOPES))).toEqual([]);
    expect(Object.keys(METHOD_SCOPES).filter((p) => !paths.includes(p))).toEqual([]);
  });
});

// The handler reports who called, so tests can see the tenant the server established.
const seen: CallContext['principal'][] = [];
const seenMetadata: CallContext['metadata'][] = [];
let gate: Promise<void> = Promise.resolve();
const encoder: AsyncService<typeof EncoderServiceService> = {
  async embed() {
    throw new MnemeError('internal', 'not used');
  },
  async predict(_req, ctx) {
    seen.push(ctx.principal);
    await gate;
    return { servedBy: { modelId: 'm', version: 1 }, predictions: [] };
  },
  async describeServing(_req, ctx) {
    seen.push(ctx.principal);
    seenMetadata.push(ctx.metadata);
    return DescribeServingResponse.fromPartial({ executionProvider: ctx.principal.tenant });
  },
};

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return `${(err as MnemeError).kind}: ${(err as MnemeError).message}`;
  }
  return 'ok';
}

describe('access control on a real gRPC server', () => {
  let dir: string;
  let server: RunningServer;
  let jwks: { privateKey: CryptoKey; otherKey: CryptoKey };
  const tokens = { acme: 'acme-reader-token', predictor: 'acme-predictor', service: 'svc-token' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mneme-auth-'));
    const lines = [
      '# one token per line',
      JSON.stringify({ sha256: hashToken(tokens.acme), tenant: 'acme', scopes: ['read'], name: 'acme-reader' }),
      JSON.stringify({ sha256: hashToken(tokens.predictor), tenant: 'acme', scopes: ['predict'] }),
      JSON.stringify({ sha256: hashToken(tokens.service), scopes: ['service'], name: 'trainer' }),
    ];
    writeFileSync(join(dir, 'tokens.jsonl'), lines.join('\n'));
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const other = await generateKeyPair('ES256');
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'k1' }] }));
    jwks = { privateKey, otherKey: other.privateKey };
    const access = loadAccess({
      tokensFile: join(dir, 'tokens.jsonl'),
      jwksFile: join(dir, 'jwks.json'),
      issuer: 'https://issuer.test',
      audience: 'mneme',
      maxInFlightPerTenant: 1,
    });
    server = await startServer({ services: [defineService(EncoderServiceService, encoder)], logger: quiet, access });
  });
  afterAll(async () => {
    await server.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const describeAs = (token: string | undefined, metadata?: Record<string, string>) => {
    const client = createClient(EncoderServiceClient, server.address, token === undefined ? {} : { token });
    return unary(client.describeServing.bind(client), { modelId: 'm' }, { timeoutMs: 5_000, ...(metadata ? { metadata } : {}) }).finally(
      () => client.close(),
    );
  };
  const jwt = (claims: Record<string, unknown>, key: CryptoKey, expires: string | number = '5m') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('https://issuer.test')
      .setAudience('mneme')
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime(expires)
      .sign(key);

  it('refuses a call without a token or with an unknown one (UNAUTHENTICATED)', async () => {
    expect(await failure(describeAs(undefined))).toMatch(/^unauthenticated: missing bearer token/);
    expect(await failure(describeAs('not-a-token'))).toBe('unauthenticated: unknown bearer token');
  });

  it('lets a static token in as its tenant, and refuses a method its scopes do not cover (PERMISSION_DENIED)', async () => {
    expect((await describeAs(tokens.acme)).executionProvider).toBe('acme');
    // The tenant is the token's: metadata cannot switch it.
    expect((await describeAs(tokens.acme, { 'x-mneme-tenant': 'globex' })).executionProvider).toBe('acme');
    expect(await failure(describeAs(tokens.predictor))).toMatch(/^permission-denied: token lacks the "read" scope/);
  });

  it('lets a service token act for the tenant named in metadata, and only with one named', async () => {
    expect((await describeAs(tokens.service, { 'x-mneme-tenant': 'globex' })).executionProvider).toBe('globex');
    expect(seen.at(-1)).toMatchObject({ tenant: 'globex', delegated: true, subject: 'trainer' });
    // The token itself never reaches a handler.
    expect(seenMetadata.at(-1)).not.toHaveProperty('authorization');
    expect(seenMetadata.at(-1)).toHaveProperty('x-mneme-tenant', 'globex');
    expect(await failure(describeAs(tokens.service))).toMatch(/^permission-denied: a service token must name the tenant/);
  });

  it('verifies JWTs against the JWKS file: valid, expired, signed by another key, wrong audience', async () => {
    expect((await describeAs(await jwt({ tenant: 'acme', scope: 'read predict' }, jwks.privateKey))).executionProvider).toBe('acme');
    expect(
      await failure(describeAs(await jwt({ tenant: 'acme', scope: 'read' }, jwks.privateKey, Math.floor(Date.now() / 1000) - 120))),
    ).toBe('unauthenticated: token expired');
    expect(await failure(describeAs(await jwt({ tenant: 'acme', scope: 'read' }, jwks.otherKey)))).toBe(
      'unauthenticated: token signature does not verify',
    );
    const wrongAudience = await new SignJWT({ tenant: 'acme', scope: 'read' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('https://issuer.test')
      .setAudience('other')
      .setExpirationTime('5m')
      .sign(jwks.privateKey);
    expect(await failure(describeAs(wrongAudience))).toBe('unauthenticated: token claim "aud" is not accepted');
    expect(await failure(describeAs(await jwt({ tenant: 'acme', scope: 'predict' }, jwks.privateKey)))).toMatch(/^permission-denied/);
    // A JWT cannot grant `service` (acting for any tenant): only the operator's token file can.
    expect(
      await failure(describeAs(await jwt({ tenant: 'acme', scope: 'service' }, jwks.privateKey), { 'x-mneme-tenant': 'globex' })),
    ).toMatch(/^permission-denied: token lacks the "read" scope/);
  });

  it('answers RESOURCE_EXHAUSTED past the tenant in-flight limit on Predict, and frees the slot after', async () => {
    const client = createClient(EncoderServiceClient, server.address, { token: tokens.predictor });
    const predict = () =>
      unary(client.predict.bind(client), { model: { modelId: 'm', version: 0 }, inputs: [], topK: 1 }, { timeoutMs: 5_000 });
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const first = predict();
    await sleep(100);
    expect(await failure(predict())).toMatch(
      /^resource-exhausted: tenant acme already has 1 Predict calls in flight \(limit MNEME_TENANT_MAX_IN_FLIGHT=1\)/,
    );
    open();
    await first;
    await predict();
    client.close();
  });

  it('keeps health open to callers without a token', async () => {
    const health = healthClient(server.address);
    expect(await health.check('mneme.v1.EncoderService')).toBe('SERVING');
    health.close();
  });
});

describe('loadAccess', () => {
  it('refuses a JWKS without issuer and audience, and a token file with a bad entry, naming the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mneme-auth-'));
    try {
      writeFileSync(join(dir, 't.json'), JSON.stringify([{ sha256: 'abc', tenant: 'acme', scopes: ['read'] }]));
      expect(() => loadAccess({ tokensFile: join(dir, 't.json') })).toThrow(/t\.json: entry 1: sha256 must be 64 hex digits/);
      writeFileSync(join(dir, 't.json'), JSON.stringify([{ sha256: hashToken('x'), scopes: ['read'] }]));
      expect(() => loadAccess({ tokensFile: join(dir, 't.json') })).toThrow(/tenant is required/);
      expect(() => loadAccess({ jwksFile: join(dir, 'jwks.json') })).toThrow(/needs MNEME_AUTH_ISSUER and MNEME_AUTH_AUDIENCE/);
      expect(loadAccess({}).open).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start a server serving a method missing from the scope table', async () => {
    const bogus = { ...EncoderServiceService, extra: { ...EncoderServiceService.embed, path: '/mneme.v1.EncoderService/Extra' } };
    const impl = { ...encoder, extra: encoder.embed } as unknown as AsyncService<typeof bogus>;
    await expect(startServer({ services: [defineService(bogus, impl)], logger: quiet })).rejects.toThrow(
      /missing from the scope table.*Extra/,
    );
  });
});
