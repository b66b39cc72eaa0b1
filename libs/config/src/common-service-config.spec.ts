import { describe, expect, expectTypeOf, it } from 'vitest';
import { commonServiceConfig, type CommonServiceConfig } from './common-service-config.js';
import { ConfigError } from './config-error.js';
import { defineConfig } from './define-config.js';
import { int } from './number-fields.js';
import { DEFAULT_REQUEST_LIMITS, REQUEST_LIMITS, type RequestLimitName } from './request-limits.js';

const common = defineConfig(commonServiceConfig);
const ALL_VARIABLES = [
  'MNEME_GRPC_HOST',
  'MNEME_GRPC_PORT',
  'MNEME_LOG_LEVEL',
  'MNEME_DEVICE',
  'MNEME_GRPC_MAX_MESSAGE_BYTES',
  'MNEME_SHUTDOWN_GRACE',
  'MNEME_KAFKA_BROKERS',
  'MNEME_KAFKA_TOPIC_PREFIX',
  'MNEME_KAFKA_SESSION_TIMEOUT',
  'MNEME_DATA_DIR',
  'MNEME_MODELS_DIR',
  ...Object.values(REQUEST_LIMITS).map((l) => l.env),
  'MNEME_DISTILLER_ADDRESS',
  'MNEME_REPLAY_MEMORY_ADDRESS',
  'MNEME_PROMPT_POOL_ADDRESS',
  'MNEME_REPLAY_MEMORY_LINGER',
  'MNEME_DISTILL_TIMEOUT',
  'MNEME_CHECKPOINT_EVERY',
  'MNEME_AUTH_TOKENS',
  'MNEME_AUTH_JWKS',
  'MNEME_AUTH_ISSUER',
  'MNEME_AUTH_AUDIENCE',
  'MNEME_AUTH_TENANT_CLAIM',
  'MNEME_SERVICE_TOKEN_FILE',
  'MNEME_TENANT_MAX_IN_FLIGHT',
  'MNEME_METRICS_PORT',
];

describe('commonServiceConfig', () => {
  it('has the documented types', () => {
    expectTypeOf<Omit<CommonServiceConfig, RequestLimitName>>().toEqualTypeOf<{
      readonly grpcHost: string;
      readonly grpcPort: number;
      readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
      readonly device: 'auto' | 'cpu' | 'cuda';
      readonly grpcMaxMessageBytes: number;
      readonly shutdownGrace: number;
      readonly kafkaBrokers: readonly string[] | undefined;
      readonly kafkaTopicPrefix: string;
      readonly kafkaSessionTimeout: number;
      readonly dataDir: string;
      readonly modelsDir: string | undefined;
      readonly distillerAddress: string | undefined;
      readonly replayMemoryAddress: string | undefined;
      readonly promptPoolAddress: string | undefined;
      readonly replayMemoryLinger: number;
      readonly distillTimeout: number;
      readonly checkpointEvery: number;
      readonly authTokens: string | undefined;
      readonly authJwks: string | undefined;
      readonly authIssuer: string | undefined;
      readonly authAudience: string | undefined;
      readonly authTenantClaim: string;
      readonly serviceTokenFile: string | undefined;
      readonly tenantMaxInFlight: number;
      readonly metricsPort: number | undefined;
    }>();
  });

  it('has the documented defaults', () => {
    expect(common.load({}).config).toEqual({
      grpcHost: '127.0.0.1',
      grpcPort: 50051,
      logLevel: 'info',
      device: 'auto',
      grpcMaxMessageBytes: 64 * 1024 * 1024,
      shutdownGrace: 10_000,
      kafkaBrokers: undefined,
      kafkaTopicPrefix: '',
      kafkaSessionTimeout: 30_000,
      dataDir: '.mneme',
      modelsDir: undefined,
      ...DEFAULT_REQUEST_LIMITS,
      distillerAddress: undefined,
      replayMemoryAddress: undefined,
      promptPoolAddress: undefined,
      replayMemoryLinger: 25,
      distillTimeout: 600_000,
      checkpointEvery: 100,
      authTokens: undefined,
      authJwks: undefined,
      authIssuer: undefined,
      authAudience: undefined,
      authTenantClaim: 'tenant',
      serviceTokenFile: undefined,
      tenantMaxInFlight: 32,
      metricsPort: undefined,
    });
  });

  it('reads every variable', () => {
    const { config, warnings } = common.load({
      MNEME_GRPC_HOST: '0.0.0.0',
      MNEME_GRPC_PORT: '6000',
      MNEME_LOG_LEVEL: 'debug',
      MNEME_DEVICE: 'cuda',
      MNEME_GRPC_MAX_MESSAGE_BYTES: '256MiB',
      MNEME_SHUTDOWN_GRACE: '30s',
      MNEME_KAFKA_BROKERS: 'kafka-0:9092,kafka-1:9092',
      MNEME_KAFKA_TOPIC_PREFIX: 'staging.',
      MNEME_KAFKA_SESSION_TIMEOUT: '10s',
      MNEME_DATA_DIR: '/var/lib/mneme',
      MNEME_MODELS_DIR: '/app/.mneme/models',
      MNEME_MAX_LABELS: '500',
      MNEME_DISTILLER_ADDRESS: 'distiller:50051',
      MNEME_REPLAY_MEMORY_ADDRESS: 'replay-memory:50051',
      MNEME_PROMPT_POOL_ADDRESS: 'prompt-pool:50051',
      MNEME_REPLAY_MEMORY_LINGER: '10s',
      MNEME_DISTILL_TIMEOUT: '2m',
      MNEME_CHECKPOINT_EVERY: '1000',
      MNEME_AUTH_TOKENS: '/etc/mneme/auth/tokens.jsonl',
      MNEME_AUTH_JWKS: '/etc/mneme/auth/jwks.json',
      MNEME_AUTH_ISSUER: 'https://id.example',
      MNEME_AUTH_AUDIENCE: 'mneme',
      MNEME_AUTH_TENANT_CLAIM: 'org',
      MNEME_SERVICE_TOKEN_FILE: '/etc/mneme/service/token',
      MNEME_TENANT_MAX_IN_FLIGHT: '8',
      MNEME_METRICS_PORT: '9464',
    });
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      grpcHost: '0.0.0.0',
      grpcPort: 6000,
      logLevel: 'debug',
      device: 'cuda',
      grpcMaxMessageBytes: 256 * 1024 * 1024,
      shutdownGrace: 30_000,
      kafkaBrokers: ['kafka-0:9092', 'kafka-1:9092'],
      kafkaTopicPrefix: 'staging.',
      kafkaSessionTimeout: 10_000,
      dataDir: '/var/lib/mneme',
      modelsDir: '/app/.mneme/models',
      ...DEFAULT_REQUEST_LIMITS,
      maxLabels: 500,
      distillerAddress: 'distiller:50051',
      replayMemoryAddress: 'replay-memory:50051',
      promptPoolAddress: 'prompt-pool:50051',
      replayMemoryLinger: 10_000,
      distillTimeout: 120_000,
      checkpointEvery: 1000,
      authTokens: '/etc/mneme/auth/tokens.jsonl',
      authJwks: '/etc/mneme/auth/jwks.json',
      authIssuer: 'https://id.example',
      authAudience: 'mneme',
      authTenantClaim: 'org',
      serviceTokenFile: '/etc/mneme/service/token',
      tenantMaxInFlight: 8,
      metricsPort: 9464,
    });
  });

  it('refuses a gRPC message limit beyond what gRPC can represent', () => {
    expect(() => common.load({ MNEME_GRPC_MAX_MESSAGE_BYTES: '2GiB' })).toThrow(ConfigError);
    expect(common.load({ MNEME_GRPC_MAX_MESSAGE_BYTES: '2147483647' }).config.grpcMaxMessageBytes).toBe(2 ** 31 - 1);
  });

  it('warns about a typo of a common variable', () => {
    const { warnings } = common.load({ MNEME_GRCP_PORT: '1' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('did you mean MNEME_GRPC_PORT?');
  });

  it('describes every variable', () => {
    const table = common.describe();
    for (const name of ALL_VARIABLES) expect(table).toContain(`| \`${name}\` |`);
    expect(Object.values(commonServiceConfig).map((f) => f.env)).toEqual(ALL_VARIABLES);
    expect(table).toContain('| `MNEME_GRPC_MAX_MESSAGE_BYTES` | `64MiB` |');
    expect(table).toContain('| `MNEME_SHUTDOWN_GRACE` | `10s` |');
  });

  it('composes with a service schema by spread', () => {
    const service = defineConfig({
      ...commonServiceConfig,
      capacity: int({ env: 'MNEME_REPLAY_CAPACITY', default: 1000, min: 1, doc: 'd' }),
    });
    const { config } = service.load({ MNEME_REPLAY_CAPACITY: '50', MNEME_GRPC_PORT: '7000' });
    expectTypeOf(config.capacity).toEqualTypeOf<number>();
    expect(config.capacity).toBe(50);
    expect(config.grpcPort).toBe(7000);
  });
});
