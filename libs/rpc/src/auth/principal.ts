/** What a token may do. A call needs the one scope its method is mapped to in {@link METHOD_SCOPES}. */
export const SCOPES = ['ingest', 'predict', 'read', 'admin', 'service'] as const;
/** A scope name. */
export type Scope = (typeof SCOPES)[number];

/** The tenant every call acts for when auth is off, and the owner of data created before owners were recorded. */
export const DEFAULT_TENANT = 'default';

/** Metadata key naming the tenant a `service` token (or an open-mode caller) acts for. */
export const TENANT_METADATA_KEY = 'x-mneme-tenant';

// Tenants name folders too (prompt pools), so they follow the same rule as ids.
const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** True when `tenant` is a well-formed tenant name (1-64 of [A-Za-z0-9._-], not starting with a dot or dash). */
export function isTenantName(tenant: string): boolean {
  return TENANT_PATTERN.test(tenant);
}

/** Who is calling: established once per call by the server, before the handler runs. */
export interface Principal {
  /** The tenant the call acts for; resources it creates belong to it, and it sees only its own. */
  readonly tenant: string;
  /** What the caller may do. */
  readonly scopes: ReadonlySet<Scope>;
  /** Who holds the token (a static token's name or a JWT's `sub`), for logs; 'anonymous' when auth is off. */
  readonly subject: string;
  /** True when a `service` token acts for the tenant named in the call's metadata. */
  readonly delegated: boolean;
}

/** True when `value` is a known scope name. */
export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
