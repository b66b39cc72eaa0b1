import { MnemeError } from '@mneme/errors';
import { JwtRejected, JwtVerifier } from './jwt-verifier.js';
import { RATE_LIMITED_METHODS, scopeOf } from './method-scopes.js';
import { DEFAULT_TENANT, isTenantName, SCOPES, TENANT_METADATA_KEY, type Principal, type Scope } from './principal.js';
import type { StaticTokens } from './static-tokens.js';
import { NOTHING_TO_RELEASE, TenantLimiter } from './tenant-limiter.js';

/** Options of {@link AccessControl}; with neither `tokens` nor `jwt` the server runs open. */
export interface AccessOptions {
  /** Static bearer tokens (MNEME_AUTH_TOKENS). */
  readonly tokens?: StaticTokens;
  /** JWT verification against a JWKS (MNEME_AUTH_JWKS). */
  readonly jwt?: JwtVerifier;
  /** Per-tenant in-flight limit on Ingest and Predict (MNEME_TENANT_MAX_IN_FLIGHT); 0 disables. */
  readonly maxInFlightPerTenant?: number;
}

/** A call let in: who it is, and what to call when it ends. */
export interface Admission {
  readonly principal: Principal;
  /** Releases the call's rate-limit slot; call exactly once. */
  release(): void;
}

const ALL_SCOPES: ReadonlySet<Scope> = new Set(SCOPES);
const UNAUTHENTICATED = 'missing bearer token: send "authorization: Bearer <token>" metadata';

/**
 * Decides, before a handler runs, who the caller is (bearer token → tenant and scopes), whether
 * it may call the method (scope table), and whether its tenant is within its in-flight limit.
 */
export class AccessControl {
  private readonly options: AccessOptions;
  private readonly limiter: TenantLimiter;

  constructor(options: AccessOptions = {}) {
    this.options = options;
    this.limiter = new TenantLimiter(options.maxInFlightPerTenant);
  }

  /** True when no tokens are configured: every caller is let in with every scope. */
  get open(): boolean {
    return this.options.tokens === undefined && this.options.jwt === undefined;
  }

  /**
   * Authenticates and authorises one call. Throws unauthenticated (no or bad token),
   * permission-denied (scope missing, or a method not in the scope table) or resource-exhausted.
   */
  async admit(path: string, metadata: Readonly<Record<string, string>>): Promise<Admission> {
    const scope = scopeOf(path);
    // Fails closed: a method nobody mapped to a scope is callable by nobody while auth is on.
    if (scope === undefined && !this.open) throw new MnemeError('permission-denied', `${path} is not in the scope table`);
    const principal = this.open ? openPrincipal(metadata) : await this.authenticate(metadata);
    if (scope !== undefined && !principal.scopes.has(scope) && !principal.scopes.has('service')) {
      throw new MnemeError('permission-denied', `token lacks the "${scope}" scope that ${path} needs`);
    }
    const release = RATE_LIMITED_METHODS.has(path) ? this.limiter.acquire(principal.tenant, path) : NOTHING_TO_RELEASE;
    return { principal, release };
  }

  private async authenticate(metadata: Readonly<Record<string, string>>): Promise<Principal> {
    const token = bearerOf(metadata['authorization']);
    if (token === undefined) throw new MnemeError('unauthenticated', UNAUTHENTICATED);
    const grant = await this.grantOf(token);
    if (grant.scopes.has('service')) {
      // A service acts for the tenant that owns the work (named per call), never for itself.
      const tenant = metadata[TENANT_METADATA_KEY];
      if (tenant === undefined || !isTenantName(tenant)) {
        throw new MnemeError('permission-denied', `a service token must name the tenant it acts for in "${TENANT_METADATA_KEY}" metadata`);
      }
      return { tenant, scopes: grant.scopes, subject: grant.subject, delegated: true };
    }
    if (grant.tenant === undefined) throw new MnemeError('unauthenticated', 'token names no tenant');
    return { tenant: grant.tenant, scopes: grant.scopes, subject: grant.subject, delegated: false };
  }

  private async grantOf(token: string): Promise<{ tenant: string | undefined; scopes: ReadonlySet<Scope>; subject: string }> {
    const found = this.options.tokens?.lookup(token);
    if (found) return { tenant: found.tenant, scopes: found.scopes, subject: found.name };
    if (this.options.jwt && JwtVerifier.looksLikeJwt(token)) {
      try {
        return await this.options.jwt.verify(token);
      } catch (err) {
        if (err instanceof JwtRejected) throw new MnemeError('unauthenticated', err.message);
        throw err;
      }
    }
    throw new MnemeError('unauthenticated', 'unknown bearer token');
  }
}

function bearerOf(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function openPrincipal(metadata: Readonly<Record<string, string>>): Principal {
  const named = metadata[TENANT_METADATA_KEY];
  return {
    tenant: named !== undefined && isTenantName(named) ? named : DEFAULT_TENANT,
    scopes: ALL_SCOPES,
    subject: 'anonymous',
    delegated: false,
  };
}
