import type { EventBus } from '@mneme/events';
import type { Executor } from '@mneme/execution';
import type { AccessControl, Logger } from '@mneme/rpc';
import { hostServices, type HostedServices } from '@mneme/service-runtime';
import { ServiceMetrics } from '@mneme/service-runtime';
import type { PeerAddresses, ServiceDeps, ServiceLimits, ServiceModule } from '@mneme/service-runtime';
import { SERVICE_FACTORIES, serviceFactory } from './service-factories.js';

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Services to run in this process. @default all of them (the embedded stack) */
  readonly services?: readonly string[];
  readonly dataDir: string;
  /** Folder of frozen encoders. @default `${dataDir}/models` */
  readonly modelsDir?: string;
  readonly bus: EventBus;
  readonly executor: Executor;
  readonly logger: Logger;
  readonly metrics?: ServiceMetrics;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** gRPC port; 0 picks one. @default 0 */
  readonly port?: number;
  readonly metricsPort?: number;
  readonly maxMessageBytes?: number;
  readonly shutdownGraceMs?: number;
  /** Limits on what callers may ask for. @default DEFAULT_SERVICE_LIMITS */
  readonly limits?: ServiceLimits;
  /** Services of other processes this stack calls (hosted ones are called on this stack's own address). */
  readonly peers?: PeerAddresses;
  /** Longest wait of a trainer for a distilled set (ms). @default 600000 */
  readonly distillTimeoutMs?: number;
  /** Who may call what; open when absent (logged at start). */
  readonly access?: AccessControl;
  /** Token (scope `service`) the services send when they call each other; needed when `access` requires tokens. */
  readonly serviceToken?: string;
}

/** Services running in this process, by name. */
export interface RunningStack extends HostedServices {
  readonly modules: Readonly<Record<string, ServiceModule>>;
  readonly metrics: ServiceMetrics;
}

/**
 * Runs services in one process on one gRPC server: all of them for the embedded stack (`mneme up`),
 * or one (`mneme serve <name>`). The bus decides whether they talk in-process or over Kafka.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const names = options.services ?? Object.keys(SERVICE_FACTORIES);
  const metrics = options.metrics ?? new ServiceMetrics();
  // The services call each other over gRPC, as deployed; those hosted here are on this server's address.
  const own: { address: string | undefined } = { address: undefined };
  const hostedOr = (name: string, peer: (() => string | undefined) | undefined) => () => (names.includes(name) ? own.address : peer?.());
  const peers: PeerAddresses = {
    distiller: hostedOr('distiller', options.peers?.distiller),
    replayMemory: hostedOr('replay-memory', options.peers?.replayMemory),
    promptPool: hostedOr('prompt-pool', options.peers?.promptPool),
  };
  const deps: ServiceDeps = {
    dataDir: options.dataDir,
    ...(options.modelsDir === undefined ? {} : { modelsDir: options.modelsDir }),
    bus: options.bus,
    executor: options.executor,
    metrics,
    logger: options.logger,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    peers,
    ...(options.distillTimeoutMs === undefined ? {} : { distillTimeoutMs: options.distillTimeoutMs }),
    ...(options.serviceToken === undefined ? {} : { serviceToken: options.serviceToken }),
  };
  const modules: Record<string, ServiceModule> = {};
  for (const name of names) modules[name] = await serviceFactory(name)(deps);
  const hosted = await hostServices({
    modules: Object.values(modules),
    metrics,
    logger: options.logger,
    ...(options.host === undefined ? {} : { host: options.host }),
    port: options.port ?? 0,
    ...(options.metricsPort === undefined ? {} : { metricsPort: options.metricsPort }),
    ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
    ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
    ...(options.access === undefined ? {} : { access: options.access }),
  });
  own.address = hosted.address;
  return { ...hosted, modules, metrics };
}
