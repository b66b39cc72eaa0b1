import { readFileSync } from 'node:fs';
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import { isScope, isTenantName, type Scope } from './principal.js';

/** Options of {@link JwtVerifier}. */
export interface JwtVerifierOptions {
  /** The public keys tokens are signed with. */
  readonly jwks: JSONWebKeySet;
  /** Required `iss` claim. */
  readonly issuer: string;
  /** Required `aud` claim (one of the token's audiences). */
  readonly audience: string;
  /** Claim holding the tenant. @default 'tenant' */
  readonly tenantClaim?: string;
  /** Allowed clock skew, in seconds. @default 30 */
  readonly clockToleranceSec?: number;
}

/** What a verified JWT grants. */
export interface JwtGrant {
  readonly tenant: string | undefined;
  readonly scopes: ReadonlySet<Scope>;
  readonly subject: string;
}

/** Thrown when a token is not a valid JWT for this server; the message is safe to send back. */
export class JwtRejected extends MnemeError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('unauthenticated', reason, options);
  }
}

// Asymmetric algorithms only: a JWKS holds public keys, and HMAC keys there would be secrets.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Verifies JWTs (signature against a JWKS file, expiry, issuer, audience) with `jose`. Scopes
 * come from the OAuth `scope` claim (space-separated) or a `scopes` array; unknown scopes are
 * ignored so an identity provider may issue scopes of other systems too. `service` is never taken
 * from a JWT: it acts for any tenant, so it is granted only by the token file the operator controls.
 */
export class JwtVerifier {
  private readonly keys: ReturnType<typeof createLocalJWKSet>;
  private readonly options: JwtVerifierOptions;

  constructor(options: JwtVerifierOptions) {
    this.keys = createLocalJWKSet(options.jwks);
    this.options = options;
  }

  /** Reads the JWKS from a file (JSON `{ "keys": [...] }`). */
  static fromFile(path: string, options: Omit<JwtVerifierOptions, 'jwks'>): JwtVerifier {
    const jwks = JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet;
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new InvalidArgumentError(`JWKS file ${path} has no keys`);
    return new JwtVerifier({ ...options, jwks });
  }

  /** True when `token` is shaped like a JWT (three base64url parts). */
  static looksLikeJwt(token: string): boolean {
    return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
  }

  /** Verifies `token`; throws {@link JwtRejected} with a short reason when it is not acceptable. */
  async verify(token: string): Promise<JwtGrant> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ALGORITHMS,
        clockTolerance: this.options.clockToleranceSec ?? 30,
      }));
    } catch (err) {
      throw new JwtRejected(reasonOf(err), { cause: err });
    }
    const tenant = payload[this.options.tenantClaim ?? 'tenant'];
    if (tenant !== undefined && (typeof tenant !== 'string' || !isTenantName(tenant)))
      throw new JwtRejected('token has a malformed tenant claim');
    return { tenant, scopes: scopesOf(payload), subject: payload.sub ?? 'jwt' };
  }
}

function scopesOf(payload: JWTPayload): ReadonlySet<Scope> {
  const raw = payload['scope'];
  const list = typeof raw === 'string' ? raw.split(' ') : Array.isArray(payload['scopes']) ? (payload['scopes'] as unknown[]) : [];
  return new Set(list.filter((s): s is Scope => typeof s === 'string' && isScope(s) && s !== 'service'));
}

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `token claim "${err.claim}" is not accepted`;
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey)
    return 'token signature does not verify';
  return 'token is not a valid JWT';
}
