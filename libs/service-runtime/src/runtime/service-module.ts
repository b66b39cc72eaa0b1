import {
  DEFAULT_REQUEST_LIMITS,
  defineConfig,
  REQUEST_LIMITS,
  requestLimitsConfig,
  type EnvSource,
  type RequestLimitName,
  type RequestLimitValues,
} from '@mneme/config';
import type { EventBus } from '@mneme/events';
import type { Executor } from '@mneme/execution';
import type { ClientTls, Logger, ServiceBinding } from '@mneme/rpc';
import type { ServiceMetrics } from './service-metrics.js';

/**
 * One mneme service, ready to be hosted: its gRPC bindings and its event consumers. A process
 * hosts one (`mneme serve <name>`) or all of them (`mneme up`, the embedded stack) on one server.
 */
export interface ServiceModule {
  /** Service name, as in `mneme serve <name>`. */
  readonly name: string;
  /** gRPC services to serve. */
  readonly bindings: readonly ServiceBinding[];
  /** Starts consuming events (after the gRPC server is up). Optional: not every service consumes. */
  start?(): Promise<void>;
  /** Stops consuming and releases what the service holds; called after the server drained. */
  stop(): Promise<void>;
}

/** What every service is built with. */
export interface ServiceDeps {
  /** Folder for state that must survive restarts (model store, memories, applied-event ids). */
  readonly dataDir: string;
  /** Folder of frozen encoders (the encoder model store). @default `${dataDir}/models` */
  readonly modelsDir?: string;
  /** The event bus: Kafka when brokers are configured, the in-process bus otherwise. */
  readonly bus: EventBus;
  /** Runs ONNX graphs on the configured device. */
  readonly executor: Executor;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  /** Limits on what callers may ask for. @default {@link DEFAULT_SERVICE_LIMITS} */
  readonly limits?: ServiceLimits;
  /** Addresses of the other services this one calls, resolved when first needed (they may start after it). */
  readonly peers?: PeerAddresses;
  /** TLS of this service's clients of its peers (MNEME_TLS_CA, and MNEME_TLS_CERT/KEY for mTLS); plaintext when absent. */
  readonly peerTls?: ClientTls;
  /** Longest wait of a trainer for a distilled set before the experience closes without one (ms). @default 600000 */
  readonly distillTimeoutMs?: number;
  /** Training steps between a trainer's checkpoints of a model (MNEME_CHECKPOINT_EVERY). @default 100 */
  readonly checkpointEvery?: number;
  /** How long a trainer gathers a model's memory changes before replicating them (MNEME_REPLAY_MEMORY_LINGER, ms). @default 25 */
  readonly replayMemoryLingerMs?: number;
  /**
   * Bearer token (scope `service`) sent on calls to peers, each naming the tenant it acts for
   * (MNEME_SERVICE_TOKEN_FILE); undefined when the peers run open.
   */
  readonly serviceToken?: string;
}

/** `host:port` of services a service calls; undefined when there is none (the caller then works in-process). */
export interface PeerAddresses {
  readonly distiller?: () => string | undefined;
  /** The replay-memory service a trainer replicates its models' memories to. */
  readonly replayMemory?: () => string | undefined;
  /** The prompt-pool service: trainers publish L2P pools there, the encoder and evaluator read them. */
  readonly promptPool?: () => string | undefined;
}

/** Limits on what callers may ask for (from the MNEME_MAX_* variables; see REQUEST_LIMITS in libs/config). */
export type ServiceLimits = RequestLimitValues;

/** The limits when none are configured (the defaults of the MNEME_MAX_* variables). */
export const DEFAULT_SERVICE_LIMITS: ServiceLimits = DEFAULT_REQUEST_LIMITS;

/** The request limits of a loaded config (which holds other options too). */
export function limitsOf(config: RequestLimitValues): ServiceLimits {
  return Object.freeze(
    Object.fromEntries(Object.keys(REQUEST_LIMITS).map((name) => [name, config[name as RequestLimitName]])) as unknown as ServiceLimits,
  );
}

const limitsOnly = defineConfig(requestLimitsConfig, { prefix: 'MNEME_MAX_' });

/**
 * The request limits from the environment alone (for `mneme up`, which reads no other service
 * option from it); a bad value ends the process with EX_CONFIG, as a service's start-up does.
 */
export function limitsFromEnv(env: EnvSource = process.env): ServiceLimits {
  return limitsOf(limitsOnly.loadOrExit(env));
}
