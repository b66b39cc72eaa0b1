import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashToken } from '@mneme/rpc';
import { afterAll, describe, expect, it } from 'vitest';
import { upAuth } from './up-auth.js';

describe('mneme up: auth options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mneme-up-auth-'));
  const tokens = join(dir, 'tokens.jsonl');
  writeFileSync(tokens, JSON.stringify({ sha256: hashToken('client'), tenant: 'acme', scopes: ['admin', 'ingest', 'read'] }));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs open without a token file or JWKS, and mints no service token', () => {
    const auth = upAuth({});
    expect(auth.access.open).toBe(true);
    expect(auth.serviceToken).toBeUndefined();
  });

  it('with a token file, mints a service token the stack accepts for any tenant, and keeps the file’s tokens', async () => {
    const auth = upAuth({ authTokens: tokens, token: 'client' });
    expect(auth.access.open).toBe(false);
    const asService = await auth.access.admit('/mneme.v1.ReplayMemoryService/AddSamples', {
      authorization: `Bearer ${auth.serviceToken!}`,
      'x-mneme-tenant': 'globex',
    });
    expect(asService.principal).toMatchObject({ tenant: 'globex', delegated: true });
    const asClient = await auth.access.admit('/mneme.v1.TrainerService/CreateModel', { authorization: 'Bearer client' });
    expect(asClient.principal.tenant).toBe('acme');
    // A fresh token per start: nothing guessable or stored.
    expect(upAuth({ authTokens: tokens, token: 'client' }).serviceToken).not.toBe(auth.serviceToken);
  });

  it('refuses auth without a client token, and a bad limit, naming the fix', () => {
    const env = { ...process.env };
    delete process.env['MNEME_TOKEN'];
    delete process.env['MNEME_TOKEN_FILE'];
    try {
      expect(() => upAuth({ authTokens: tokens })).toThrow(/--token or MNEME_TOKEN/);
    } finally {
      Object.assign(process.env, env);
    }
    expect(() => upAuth({ tenantMaxInFlight: '-1' })).toThrow(/--tenant-max-in-flight must be a whole number >= 0/);
    expect(() => upAuth({ authTokens: join(dir, 'missing.jsonl'), token: 'x' })).toThrow(/missing\.jsonl/);
  });
});
