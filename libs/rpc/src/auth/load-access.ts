import { InvalidArgumentError } from '@mneme/errors';
import { AccessControl } from './access-control.js';
import { JwtVerifier } from './jwt-verifier.js';
import { StaticTokens, type StaticTokenEntry } from './static-tokens.js';

/** Where a process finds its auth configuration (the MNEME_AUTH_* variables). */
export interface AccessConfig {
  /** File of static token hashes (MNEME_AUTH_TOKENS). */
  readonly tokensFile?: string | undefined;
  /** JWKS file JWTs are verified against (MNEME_AUTH_JWKS). */
  readonly jwksFile?: string | undefined;
  /** Required JWT issuer (MNEME_AUTH_ISSUER); needed with a JWKS. */
  readonly issuer?: string | undefined;
  /** Required JWT audience (MNEME_AUTH_AUDIENCE); needed with a JWKS. */
  readonly audience?: string | undefined;
  /** JWT claim naming the tenant (MNEME_AUTH_TENANT_CLAIM). @default 'tenant' */
  readonly tenantClaim?: string | undefined;
  /** Per-tenant in-flight limit on Ingest and Predict (MNEME_TENANT_MAX_IN_FLIGHT). */
  readonly maxInFlightPerTenant?: number | undefined;
  /** Tokens accepted besides the file's, when auth is on (an embedded stack's own service token). */
  readonly extraTokens?: readonly StaticTokenEntry[] | undefined;
}

/**
 * Builds the access control a process's config asks for: open when neither a token file nor a
 * JWKS is given. Throws naming the file or setting at fault, so a bad secret stops start-up.
 */
export function loadAccess(config: AccessConfig): AccessControl {
  let tokens = config.tokensFile ? StaticTokens.fromFile(config.tokensFile) : undefined;
  let jwt: JwtVerifier | undefined;
  if (config.jwksFile) {
    // Without both, a token minted for another service by the same issuer would be accepted here.
    if (!config.issuer || !config.audience)
      throw new InvalidArgumentError('MNEME_AUTH_JWKS needs MNEME_AUTH_ISSUER and MNEME_AUTH_AUDIENCE');
    jwt = JwtVerifier.fromFile(config.jwksFile, {
      issuer: config.issuer,
      audience: config.audience,
      ...(config.tenantClaim ? { tenantClaim: config.tenantClaim } : {}),
    });
  }
  // Extra tokens never turn auth on by themselves: an open stack stays open.
  if ((tokens || jwt) && config.extraTokens?.length) tokens = (tokens ?? new StaticTokens([])).with(config.extraTokens);
  return new AccessControl({
    ...(tokens ? { tokens } : {}),
    ...(jwt ? { jwt } : {}),
    ...(config.maxInFlightPerTenant === undefined ? {} : { maxInFlightPerTenant: config.maxInFlightPerTenant }),
  });
}
