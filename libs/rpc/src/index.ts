/**
 * The one owner of gRPC plumbing: server bootstrap with grpc.health.v1, graceful shutdown,
 * message-size limits and deadlines, the error-to-status mapping, and a client factory.
 */
export { startServer, shutdownOnSignals, plaintextRefusal, DEFAULT_MAX_MESSAGE_BYTES } from './server.js';
export type { ServerOptions, RunningServer } from './server.js';
export { defineService, serviceNameOf } from './service.js';
export type { AsyncService, CallContext, ServiceBinding, UnaryHandler, ServerStreamHandler, ClientStreamHandler } from './service.js';
export { createClient, unary } from './client.js';
export type { ClientConstructor, ClientFactoryOptions, UnaryMethod, CallSettings, PeerIdentity } from './client.js';
export { toGrpcStatus, fromGrpcError, INTERNAL_DETAILS } from './status.js';
export type { GrpcStatus } from './status.js';
export { jsonLogger, processLogger } from './logger.js';
export type { Logger, LogLevel } from './logger.js';
export { healthClient } from './health-client.js';
export { channelCredentials, isLoopbackHost, serverCredentials } from './tls.js';
export type { ClientTls, ServerTls } from './tls.js';
export { certificateName, loadClientTls, loadTransportSecurity, TLS_ENV_NAMES } from './tls-files.js';
export type { ClientTlsFiles, TlsSettingNames, TlsSettings, TransportSecurity } from './tls-files.js';
export { HAVE_OPENSSL, OPENSSL_SKIP_MESSAGE, testCertificates } from './test-certificates.js';
export type { CertificateFiles, TestCertificates } from './test-certificates.js';
export { AccessControl } from './auth/access-control.js';
export type { AccessOptions, Admission } from './auth/access-control.js';
export { loadAccess } from './auth/load-access.js';
export type { AccessConfig } from './auth/load-access.js';
export { StaticTokens, hashToken } from './auth/static-tokens.js';
export type { StaticTokenEntry } from './auth/static-tokens.js';
export { JwtVerifier } from './auth/jwt-verifier.js';
export type { JwtVerifierOptions } from './auth/jwt-verifier.js';
export { TenantLimiter, DEFAULT_MAX_IN_FLIGHT_PER_TENANT } from './auth/tenant-limiter.js';
export { METHOD_SCOPES, RATE_LIMITED_METHODS, scopeOf } from './auth/method-scopes.js';
export { SCOPES, DEFAULT_TENANT, TENANT_METADATA_KEY, isTenantName } from './auth/principal.js';
export type { Principal, Scope } from './auth/principal.js';
export { bearerInterceptor } from './auth/bearer-interceptor.js';
export { tokenFromEnv } from './auth/token-from-env.js';
export { rawClient } from './raw-client.js';
export type { RawClient, RawOutcome } from './raw-client.js';
