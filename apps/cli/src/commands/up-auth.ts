import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '@mneme/errors';
import { hashToken, loadAccess, tokenFromEnv, type AccessControl } from '@mneme/rpc';

/** The auth options of `mneme up` (each also read from its MNEME_* variable). */
export interface UpAuthOptions {
  authTokens?: string;
  authJwks?: string;
  authIssuer?: string;
  authAudience?: string;
  tenantMaxInFlight?: string;
  /** Token of the benchmark client; MNEME_TOKEN or MNEME_TOKEN_FILE when absent. */
  token?: string;
}

/** What the embedded stack runs with. */
export interface UpAuth {
  readonly access: AccessControl;
  /** Minted at start when auth is on, so the services can call each other; never written anywhere. */
  readonly serviceToken: string | undefined;
  /** Token the benchmark stream sends. */
  readonly clientToken: string | undefined;
}

/**
 * Builds the embedded stack's access control from `mneme up`'s options. With auth on, the stack
 * mints its own service token in memory: its services are one process, so no file needs to hold it.
 */
export function upAuth(o: UpAuthOptions): UpAuth {
  const maxInFlight = o.tenantMaxInFlight === undefined ? undefined : Number(o.tenantMaxInFlight);
  if (maxInFlight !== undefined && (!Number.isInteger(maxInFlight) || maxInFlight < 0)) {
    throw new InvalidArgumentError(`--tenant-max-in-flight must be a whole number >= 0 (0 disables), got '${o.tenantMaxInFlight}'`);
  }
  const on = o.authTokens !== undefined || o.authJwks !== undefined;
  const serviceToken = on ? randomBytes(32).toString('base64url') : undefined;
  let access: AccessControl;
  try {
    access = loadAccess({
      tokensFile: o.authTokens,
      jwksFile: o.authJwks,
      issuer: o.authIssuer,
      audience: o.authAudience,
      maxInFlightPerTenant: maxInFlight,
      extraTokens: serviceToken ? [{ sha256: hashToken(serviceToken), scopes: ['service'], name: 'mneme-up' }] : [],
    });
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message, { cause: err });
  }
  const clientToken = o.token ?? tokenFromEnv();
  if (on && clientToken === undefined)
    throw new InvalidArgumentError(
      'auth is on: give the benchmark client a token with --token or MNEME_TOKEN (scopes admin, ingest, read)',
    );
  return { access, serviceToken, clientToken };
}
