import type { EventBus } from '@mneme/events';
import type { Executor } from '@mneme/execution';
import { certificateName, type AccessControl, type ClientTls, type Logger, type ServerTls } from '@mneme/rpc';
import { hostServices, type HostedServices } from '@mneme/service-runtime';
import { ServiceMetrics } from '@mneme/service-runtime';
import type { PeerAddresses, ServiceDeps, ServiceLimits, ServiceModule } from '@mneme/service-runtime';
import { SERVICE_FACTORIES, serviceFactory } from './service-factories.js';

/** Bind addresses meaning "every interface". */
const WILDCARDS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '[::]']);

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
  /** Serve TLS with this certificate (mTLS with a client CA); plaintext when absent. */
  readonly tls?: ServerTls | undefined;
  /**
   * TLS of the services' clients of their peers; plaintext when absent. Hosted services call each
   * other on this server's loopback address: when every peer is hosted here, they check the name in
   * `tls.cert` unless a server name is given.
   */
  readonly peerTls?: ClientTls | undefined;
  /** Allow plaintext on a non-loopback host, with a warning (MNEME_INSECURE=1). @default false */
  readonly allowInsecure?: boolean;
  /** Who may call what; open when absent (logged at start). */
  readonly access?: AccessControl;
  /** Token (scope `service`) the services send when they call each other; needed when `access` requires tokens. */
  readonly serviceToken?: string;
}

/** Services running in this process, by name. */
export interface RunningStack extends HostedServices {
  readonly modules: Readonly<Record<string, ServiceModule>>;
  readonly metrics: ServiceMetrics;
  /** Where clients in this process reach the stack (a wildcard bind is dialled on loopback). */
  readonly localAddress: string;
  /** TLS settings of clients in this process (undefined: plaintext). */
  readonly clientTls: ClientTls | undefined;
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
  const clientTls = selfClientTls(options);
  // With every peer hosted here, the services call this server like any client in this process.
  const remote = options.peers?.distiller ?? options.peers?.replayMemory ?? options.peers?.promptPool;
  const peerTls = remote === undefined ? clientTls : options.peerTls;
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
    ...(peerTls === undefined ? {} : { peerTls }),
    ...(options.serviceToken === undefined ? {} : { serviceToken: options.serviceToken }),
  };
  const modules: Record<string, ServiceModule> = {};
  for (const name of names) modules[name] = await serviceFactory(name)(deps);
  const hosted = await hostServices({
    modules: Object.values(modules),
    metrics,
    bus: options.bus,
    logger: options.logger,
    ...(options.host === undefined ? {} : { host: options.host }),
    port: options.port ?? 0,
    ...(options.metricsPort === undefined ? {} : { metricsPort: options.metricsPort }),
    ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
    ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
    tls: options.tls,
    ...(options.allowInsecure === undefined ? {} : { allowInsecure: options.allowInsecure }),
    ...(options.access === undefined ? {} : { access: options.access }),
  });
  // A wildcard bind is dialled on loopback: the hosted services' calls never leave the machine.
  own.address = WILDCARDS.has(options.host ?? '127.0.0.1') ? `127.0.0.1:${hosted.server.port}` : hosted.address;
  return { ...hosted, modules, metrics, localAddress: own.address, clientTls };
}

/**
 * How clients in this process reach the stack over TLS: they dial a loopback address its
 * certificate need not list, so they check the certificate's own name unless one is given.
 */
function selfClientTls(options: StackOptions): ClientTls | undefined {
  if (options.tls === undefined || options.peerTls === undefined || options.peerTls.serverName !== undefined) return options.peerTls;
  const name = certificateName(options.tls.cert);
  return name === undefined ? options.peerTls : { ...options.peerTls, serverName: name };
}
