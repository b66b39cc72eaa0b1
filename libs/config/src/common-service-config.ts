import { bytes } from './bytes-field.js';
import { type ConfigSchema, type Infer } from './define-config.js';
import { duration } from './duration-field.js';
import { hostPort, list } from './list-field.js';
import { int, port } from './number-fields.js';
import { oneOf } from './one-of-field.js';
import { requestLimitsConfig } from './request-limits.js';
import { str } from './string-field.js';

/** Log levels, least to most severe. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** A log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Execution device choices: `auto` prefers CUDA and falls back to CPU. */
export const DEVICES = ['auto', 'cpu', 'cuda'] as const;
/** An execution device choice. */
export type Device = (typeof DEVICES)[number];

// gRPC message limits are signed 32-bit integers in grpc-js and the C core.
const GRPC_MAX_MESSAGE_LIMIT = 2 ** 31 - 1;

/**
 * Options every mneme service reads. Spread it into a service's own schema:
 * `defineConfig({ ...commonServiceConfig, ...ownFields })`.
 */
export const commonServiceConfig = {
  /** @default '127.0.0.1' */
  grpcHost: str({
    env: 'MNEME_GRPC_HOST',
    default: '127.0.0.1',
    doc: 'Address the gRPC server binds to; loopback by default so a dev machine exposes nothing, 0.0.0.0 in containers. Off loopback a service serves TLS (MNEME_TLS_CERT, MNEME_TLS_KEY) or refuses to start unless MNEME_INSECURE=1.',
  }),
  /** @default 50051 */
  grpcPort: port({ env: 'MNEME_GRPC_PORT', default: 50_051, doc: 'Port the gRPC server listens on.' }),
  /** @default 'info' */
  logLevel: oneOf(LOG_LEVELS, { env: 'MNEME_LOG_LEVEL', default: 'info', doc: 'Least severe log level that is written.' }),
  /** @default 'auto' */
  device: oneOf(DEVICES, {
    env: 'MNEME_DEVICE',
    default: 'auto',
    doc: 'Where models run: auto uses CUDA when available and falls back to CPU; cuda fails start-up without a GPU.',
  }),
  /** @default 64MiB */
  grpcMaxMessageBytes: bytes({
    env: 'MNEME_GRPC_MAX_MESSAGE_BYTES',
    default: '64MiB',
    min: '1KiB',
    max: GRPC_MAX_MESSAGE_LIMIT,
    doc: 'Largest gRPC message sent or received; tensors and sample batches need more than the gRPC default of 4MiB.',
  }),
  /** @default 10s (10000 ms) */
  shutdownGrace: duration({
    env: 'MNEME_SHUTDOWN_GRACE',
    default: '10s',
    doc: 'Time in-flight calls get to finish after SIGTERM before the server is forced down.',
  }),
  /** Optional: unset means the embedded in-process event bus. */
  kafkaBrokers: list({
    env: 'MNEME_KAFKA_BROKERS',
    item: hostPort,
    doc: 'Kafka bootstrap brokers; unset runs the embedded in-process event bus instead of Kafka.',
  }),
  /** @default '' */
  kafkaTopicPrefix: str({
    env: 'MNEME_KAFKA_TOPIC_PREFIX',
    default: '',
    doc: 'Prefix of every Kafka topic name, so several environments can share one cluster.',
  }),
  /** @default 30s (30000 ms) */
  kafkaSessionTimeout: duration({
    env: 'MNEME_KAFKA_SESSION_TIMEOUT',
    default: '30s',
    doc: 'How long a silent consumer keeps its partitions before the group hands them to another member.',
  }),
  /** @default '.mneme' */
  dataDir: str({
    env: 'MNEME_DATA_DIR',
    default: '.mneme',
    doc: 'Directory for state that must survive restarts; a relative path is resolved against the working directory.',
  }),
  /** Optional: unset means `<data dir>/models`. */
  modelsDir: str({
    env: 'MNEME_MODELS_DIR',
    doc: 'Folder of the frozen encoders (the model store `mneme import-model` writes); unset means `<data dir>/models`.',
  }),
  /** Limits on what callers may ask for (see REQUEST_LIMITS). */
  ...requestLimitsConfig,
  /** Optional: unset means `distill` models distil in the trainer's process. */
  distillerAddress: str({
    env: 'MNEME_DISTILLER_ADDRESS',
    doc: 'host:port of the distiller service the trainer asks for synthetic sets; unset distils in the trainer process.',
  }),
  /** Optional: unset means the trainer keeps its models' replay memories in its checkpoints only. */
  replayMemoryAddress: str({
    env: 'MNEME_REPLAY_MEMORY_ADDRESS',
    doc: "host:port of the replay-memory service the trainer replicates its models' replay memories to; unset keeps them in the trainer only.",
  }),
  /** Optional: unset means L2P pools are neither published nor read from the prompt-pool service. */
  promptPoolAddress: str({
    env: 'MNEME_PROMPT_POOL_ADDRESS',
    doc: 'host:port of the prompt-pool service: trainers publish L2P pools there, the encoder and evaluator predict with them; unset uses each version’s own pool.',
  }),
  /** @default '25ms' */
  replayMemoryLinger: duration({
    env: 'MNEME_REPLAY_MEMORY_LINGER',
    default: '25ms',
    doc: "How long a trainer gathers a model's replay-memory changes into one request to the replay-memory service; longer means fewer requests and a staler copy.",
  }),
  /** @default '10m' */
  distillTimeout: duration({
    env: 'MNEME_DISTILL_TIMEOUT',
    default: '10m',
    doc: 'Longest wait of a trainer for a synthetic set; after it the experience closes without one.',
  }),
  /** @default 100 */
  checkpointEvery: int({
    env: 'MNEME_CHECKPOINT_EVERY',
    default: 100,
    min: 1,
    max: 1_000_000,
    doc: "Training steps between a trainer's checkpoints of a model (experience ends always checkpoint); fewer checkpoints write less, a takeover replays more.",
  }),
  /** Optional: with neither this nor authJwks set, the service runs open (and logs so). */
  authTokens: str({
    env: 'MNEME_AUTH_TOKENS',
    doc: 'File of accepted bearer tokens, as SHA-256 hashes with tenant and scopes (JSON array or one JSON object per line); unset with MNEME_AUTH_JWKS unset runs without auth.',
  }),
  /** Optional: JWTs are accepted only when set. */
  authJwks: str({
    env: 'MNEME_AUTH_JWKS',
    doc: 'JWKS file (public keys) JWT bearer tokens are verified against; needs MNEME_AUTH_ISSUER and MNEME_AUTH_AUDIENCE.',
  }),
  /** Optional: required with authJwks. */
  authIssuer: str({ env: 'MNEME_AUTH_ISSUER', doc: 'The iss claim a JWT must carry.' }),
  /** Optional: required with authJwks. */
  authAudience: str({ env: 'MNEME_AUTH_AUDIENCE', doc: 'An aud value a JWT must carry.' }),
  /** @default 'tenant' */
  authTenantClaim: str({ env: 'MNEME_AUTH_TENANT_CLAIM', default: 'tenant', doc: "The JWT claim naming the caller's tenant." }),
  /** Optional: unset means calls to other services carry no token (they must run open then). */
  serviceTokenFile: str({
    env: 'MNEME_SERVICE_TOKEN_FILE',
    doc: 'File holding the token (scope service) this service sends when it calls other services on behalf of a tenant.',
  }),
  /** @default 32 */
  tenantMaxInFlight: int({
    env: 'MNEME_TENANT_MAX_IN_FLIGHT',
    default: 32,
    min: 0,
    max: 100_000,
    doc: 'Most Ingest (and, separately, Predict) calls one tenant may have in flight on one process; more get RESOURCE_EXHAUSTED. 0 disables the limit.',
  }),
  /** Optional: unset disables the metrics endpoint. */
  metricsPort: port({ env: 'MNEME_METRICS_PORT', doc: 'Port of the Prometheus metrics endpoint; unset disables it.' }),
} as const satisfies ConfigSchema;

/** The typed options produced by {@link commonServiceConfig}. */
export type CommonServiceConfig = Infer<typeof commonServiceConfig>;
