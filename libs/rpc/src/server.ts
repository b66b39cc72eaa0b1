import { Server, type ChannelOptions } from '@grpc/grpc-js';
import { MnemeError } from '@mneme/errors';
import { HealthImplementation } from 'grpc-health-check';
import { AccessControl } from './auth/access-control.js';
import { scopeOf } from './auth/method-scopes.js';
import { jsonLogger, type Logger } from './logger.js';
import { isLoopbackHost, serverCredentials, type ServerTls } from './tls.js';
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
  /** Serve TLS with this certificate (mTLS when it has a client CA); plaintext when absent. */
  tls?: ServerTls;
  /**
   * Allow plaintext on a non-loopback `host` (MNEME_INSECURE=1), e.g. behind a mesh that encrypts;
   * a warning is logged. Without it such a server refuses to start.
   * @default false
   */
  allowInsecure?: boolean;
  /**
   * Also serve grpc.health.v1, and nothing else, in plaintext on this port of `host` (MNEME_HEALTH_PORT;
   * 0 picks one): for probes that cannot speak TLS, such as Kubernetes' gRPC probes. It shows the
   * serving status only. @default none
   */
  healthPort?: number;
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
  /** Port of the plaintext health-only server, when one was asked for. */
  readonly healthPort: number | undefined;
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
  const refusal = plaintextRefusal(host, options.tls !== undefined, options.allowInsecure === true);
  if (refusal !== undefined) throw refusal;
  const plaintextExposed = options.tls === undefined && !isLoopbackHost(host);
  const channelOptions: ChannelOptions = {
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
  };
  const server = new Server(channelOptions);
  let inFlight = 0;
  const tracker: CallTracker = { begin: () => void inFlight++, end: () => void inFlight-- };

  const access = options.access ?? new AccessControl();
  // A method nobody decided a scope for is a bug to catch at start, not a call to let through.
  const unscoped = options.services
    .flatMap((b) => Object.values(b.definition).map((m) => m.path))
    .filter((path) => scopeOf(path) === undefined);
  if (unscoped.length > 0)
    throw new MnemeError('internal', `methods missing from the scope table (libs/rpc/src/auth/method-scopes.ts): ${unscoped.join(', ')}`);

  // Health is added directly, outside the access control: probes carry no token.
  const health = new HealthImplementation({ '': 'SERVING' });
  health.addToServer(server);
  for (const binding of options.services) {
    server.addService(
      binding.definition,
      toGrpcImplementation(binding, { logger, tracker, access, ...(options.onRefused ? { onRefused: options.onRefused } : {}) }),
    );
    health.setStatus(binding.name, 'SERVING');
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port ?? 0}`, serverCredentials(options.tls), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  const address = `${host}:${port}`;
  // The same health statuses on a second, plaintext server that carries no other service.
  const healthServer = options.healthPort === undefined ? undefined : new Server();
  let healthPort: number | undefined;
  if (healthServer !== undefined) {
    health.addToServer(healthServer);
    try {
      healthPort = await new Promise<number>((resolve, reject) => {
        healthServer.bindAsync(`${host}:${options.healthPort}`, serverCredentials(undefined), (err, bound) =>
          err ? reject(err) : resolve(bound),
        );
      });
    } catch (err) {
      server.forceShutdown();
      throw err;
    }
  }
  const transport = options.tls === undefined ? 'plaintext' : options.tls.clientCa === undefined ? 'tls' : 'mtls';
  if (plaintextExposed)
    logger.warn(
      'serving plaintext gRPC on a non-loopback address (MNEME_INSECURE=1): calls and their data are readable and forgeable on the network',
      { address },
    );
  logger.info('grpc server listening', { address, transport, healthPort, services: options.services.map((s) => s.name) });

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
        // Probes saw NOT_SERVING while the calls drained; now they see nothing.
        healthServer?.forceShutdown();
        logger.info('grpc server stopped', { address });
        resolve();
      });
    });
    return stopping;
  };

  return {
    address,
    port,
    healthPort,
    inFlight: () => inFlight,
    setServing: (service, serving) => health.setStatus(service, serving ? 'SERVING' : 'NOT_SERVING'),
    shutdown,
  };
}

/**
 * Why a server on `host` must not start: plaintext on a non-loopback address without
 * `allowInsecure` (MNEME_INSECURE=1); undefined when it may. Checked by {@link startServer}, and
 * by processes that want to refuse before they build anything.
 */
export function plaintextRefusal(host: string, tls: boolean, allowInsecure: boolean): MnemeError | undefined {
  if (tls || allowInsecure || isLoopbackHost(host)) return undefined;
  return new MnemeError(
    'failed-precondition',
    `refusing to serve plaintext gRPC on ${host}, which is not a loopback address: give a certificate and key (MNEME_TLS_CERT and MNEME_TLS_KEY), bind 127.0.0.1, or set MNEME_INSECURE=1 to serve plaintext anyway (e.g. behind a mesh that encrypts)`,
  );
}

/** Shuts the server down on SIGTERM and SIGINT (what Kubernetes and Ctrl-C send). */
export function shutdownOnSignals(server: RunningServer, onStopped: () => void = () => process.exit(0)): void {
  const stop = () => void server.shutdown().then(onStopped);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
