/**
 * The one owner of gRPC plumbing: server bootstrap with grpc.health.v1, graceful shutdown,
 * message-size limits and deadlines, the error-to-status mapping, and a client factory.
 */
export { startServer, shutdownOnSignals, DEFAULT_MAX_MESSAGE_BYTES } from './server.js';
export type { ServerOptions, RunningServer } from './server.js';
export { defineService, serviceNameOf } from './service.js';
export type {
  AsyncService,
  CallContext,
  ServiceBinding,
  UnaryHandler,
  ServerStreamHandler,
  ClientStreamHandler,
} from './service.js';
export { createClient, unary } from './client.js';
export type { ClientConstructor, ClientFactoryOptions, UnaryMethod, CallSettings } from './client.js';
export { toGrpcStatus, fromGrpcError, INTERNAL_DETAILS } from './status.js';
export type { GrpcStatus } from './status.js';
export { jsonLogger } from './logger.js';
export type { Logger, LogLevel } from './logger.js';
export { healthClient } from './health-client.js';
export { rawClient } from './raw-client.js';
export type { RawClient, RawOutcome } from './raw-client.js';
