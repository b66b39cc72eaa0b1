import { AccessControl, startServer, type Logger, type RunningServer, type ServerTls } from '@mneme/rpc';
import { instrumentService } from './instrument-service.js';
import { startMetricsEndpoint, type MetricsEndpoint } from './metrics-endpoint.js';
import type { ConsumerLagSource, ServiceMetrics } from './service-metrics.js';
import type { ServiceModule } from './service-module.js';

/** Options of {@link hostServices}. */
export interface HostOptions {
  readonly modules: readonly ServiceModule[];
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** Port of the Prometheus endpoint; undefined disables it, 0 picks one. */
  readonly metricsPort?: number;
  readonly maxMessageBytes?: number;
  readonly shutdownGraceMs?: number;
  /** Serve TLS with this certificate (mTLS with a client CA); plaintext when absent. */
  readonly tls?: ServerTls | undefined;
  /** Allow plaintext on a non-loopback host, with a warning (MNEME_INSECURE=1). @default false */
  readonly allowInsecure?: boolean;
  /** Port of a plaintext grpc.health.v1-only server, for probes that cannot speak TLS (MNEME_HEALTH_PORT). */
  readonly healthPort?: number | undefined;
  /** Who may call what; open (every caller, tenant "default") when absent, which is logged. */
  readonly access?: AccessControl;
  /** The modules' event bus: its consumers' lag is reported in `mneme_consumer_lag` while they run. */
  readonly bus?: ConsumerLagSource;
}

/** Services running in this process. */
export interface HostedServices {
  readonly server: RunningServer;
  /** `host:port` of the gRPC server. */
  readonly address: string;
  readonly metricsEndpoint: MetricsEndpoint | undefined;
  /** Graceful stop: drain gRPC calls, then stop consumers, then the metrics endpoint. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Serves every module's bindings (instrumented) on one gRPC server with health, then starts the
 * modules' event consumers, and exposes `/metrics` when a metrics port is given.
 */
export async function hostServices(options: HostOptions): Promise<HostedServices> {
  const bindings = options.modules.flatMap((m) => m.bindings.map((b) => instrumentService(b, options.metrics)));
  const access = options.access ?? new AccessControl();
  // One line, so an operator sees at start that nobody is asked who they are.
  if (access.open)
    options.logger.warn(
      'auth is off: every caller may call every RPC as tenant "default"; set MNEME_AUTH_TOKENS or MNEME_AUTH_JWKS to require bearer tokens',
    );
  const server = await startServer({
    services: bindings,
    logger: options.logger,
    access,
    // Refused calls count like served ones (code unauthenticated, permission-denied, resource-exhausted).
    onRefused: (path, error) => {
      const slash = path.lastIndexOf('/');
      options.metrics.requests.inc({ service: path.slice(1, slash), method: path.slice(slash + 1), code: error.kind });
      options.logger.debug('call refused', { method: path, kind: error.kind, reason: error.message });
    },
    ...(options.host === undefined ? {} : { host: options.host }),
    port: options.port ?? 0,
    ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
    ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.allowInsecure === undefined ? {} : { allowInsecure: options.allowInsecure }),
    ...(options.healthPort === undefined ? {} : { healthPort: options.healthPort }),
  });
  const started: ServiceModule[] = [];
  let metricsEndpoint: MetricsEndpoint | undefined;
  const unobserveLag = options.bus === undefined ? () => undefined : options.metrics.observeConsumerLag(options.bus);
  const stopModules = async () => {
    unobserveLag();
    for (const m of [...started].reverse()) await m.stop();
    started.length = 0;
  };
  try {
    for (const m of options.modules) {
      await m.start?.();
      started.push(m);
    }
    if (options.metricsPort !== undefined)
      metricsEndpoint = await startMetricsEndpoint(options.metrics.registry, options.metricsPort, options.host ?? '127.0.0.1');
  } catch (err) {
    await server.shutdown();
    await stopModules();
    throw err;
  }
  options.logger.info('services up', {
    services: options.modules.map((m) => m.name),
    address: server.address,
    metricsPort: metricsEndpoint?.port,
  });
  let stopping: Promise<void> | undefined;
  return {
    server,
    address: server.address,
    metricsEndpoint,
    stop: () =>
      (stopping ??= (async () => {
        await server.shutdown();
        await stopModules();
        await metricsEndpoint?.close();
      })()),
  };
}
