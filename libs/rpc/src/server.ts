import { Server, ServerCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { MnemeError } from '@mneme/errors';
import { AccessControl } from './auth/access-control.js';
import { scopeOf } from './auth/method-scopes.js';
import { jsonLogger, type Logger } from './logger.js';
import { toGrpcImplementation, type CallTracker, type ServiceBinding } from './service.js';

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /** Port to bind; 0 picks a free one. @default 0 */
  port?: number;
  /** Services to serve, from {@link defineService}. */
  services: readonly ServiceBinding[];
  /** Largest message accepted or sent, in bytes. @default 64 MiB */
  maxMessageBytes?: number;
  /** How long shutdown waits for in-flight calls before cancelling them, in ms. @default 10000 */
  shutdownGraceMs?: number;
  /** @default a JSON logger to stderr */
  logger?: Logger;
  /**
   * Who may call what (bearer tokens, scopes, per-tenant limits); grpc.health.v1 is always open.
   * @default open: every caller may call everything, as the default tenant
   */
  access?: AccessControl;
  /** Told of each call the access control refused (its handler never ran), e.g. to count it. */
  onRefused?: (method: string, error: MnemeError) => void;
}

/** A started server. */
export interface RunningServer {
  /** `host:port` actually bound. */
  readonly address: string;
  readonly port: number;
  /** Calls being served right now. */
  inFlight(): number;
  /** Marks a service (or '' for the whole server) SERVING or NOT_SERVING in grpc.health.v1. */
  setServing(service: string, serving: boolean): void;
  /**
   * Graceful stop: health goes NOT_SERVING, new calls are refused, in-flight calls drain; after
   * the grace period the rest are cancelled. Resolves when the server is down. Idempotent.
   */
  shutdown(): Promise<void>;
}

/** Default limit on message size: large enough for a batch of 1024 x 384 float32 embeddings. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Starts a gRPC server with grpc.health.v1, message-size limits and graceful shutdown.
 * Every handler error is mapped to a status by `toGrpcStatus`, the one place that does so.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const graceMs = options.shutdownGraceMs ?? 10_000;
  const logger = options.logger ?? jsonLogger('rpc');
  const channelOptions: ChannelOptions = {
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
  };
  const server = new Server(channelOptions);
  let inFlight = 0;
  const tracker: CallTracker = { begin: () => void inFlight++, end: () => void inFlight-- };

  const access = options.access ?? new AccessControl();
  // A method nobody decided a scope for is a bug to catch at start, not a call to let through.
  const unscoped = options.services.flatMap((b) => Object.values(b.definition).map((m) => m.path)).filter((path) => scopeOf(path) === undefined);
  if (unscoped.length > 0) throw new Error(`methods missing from the scope table (libs/rpc/src/auth/method-scopes.ts): ${unscoped.join(', ')}`);

  // Health is added directly, outside the access control: probes carry no token.
  const health = new HealthImplementation({ '': 'SERVING' });
  health.addToServer(server);
  for (const binding of options.services) {
    server.addService(binding.definition, toGrpcImplementation(binding, { logger, tracker, access, ...(options.onRefused ? { onRefused: options.onRefused } : {}) }));
    health.setStatus(binding.name, 'SERVING');
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port ?? 0}`, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  const address = `${host}:${port}`;
  logger.info('grpc server listening', { address, services: options.services.map((s) => s.name) });

  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= new Promise<void>((resolve) => {
      for (const name of ['', ...options.services.map((s) => s.name)]) health.setStatus(name, 'NOT_SERVING');
      logger.info('grpc server draining', { address, inFlight });
      const timer = setTimeout(() => {
        logger.warn('grpc server grace period over; cancelling calls', { address, inFlight });
        server.forceShutdown();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        logger.info('grpc server stopped', { address });
        resolve();
      });
    });
    return stopping;
  };

  return {
    address,
    port,
    inFlight: () => inFlight,
    setServing: (service, serving) => health.setStatus(service, serving ? 'SERVING' : 'NOT_SERVING'),
    shutdown,
  };
}

/** Shuts the server down on SIGTERM and SIGINT (what Kubernetes and Ctrl-C send). */
export function shutdownOnSignals(server: RunningServer, onStopped: () => void = () => process.exit(0)): void {
  const stop = () => void server.shutdown().then(onStopped);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
