import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { commonServiceConfig, defineConfig, EX_CONFIG, kafkaSecurityConfig, transportSecurityConfig, type EnvSource } from '@mneme/config';
import { createExecutor, Engine } from '@mneme/engine';
import { InvalidArgumentError } from '@mneme/errors';
import { InProcessBus, KafkaBus, kafkaSecuritySettings, loadKafkaSecurity, type EventBus, type KafkaSecurity } from '@mneme/events';
import { loadAccess, processLogger, loadTransportSecurity, plaintextRefusal, type TransportSecurity } from '@mneme/rpc';
import { hostServices, type HostedServices } from './host-services.js';
import { ServiceMetrics } from './service-metrics.js';
import { limitsOf, type ServiceDeps, type ServiceModule } from './service-module.js';

const serviceConfig = defineConfig({ ...commonServiceConfig, ...transportSecurityConfig, ...kafkaSecurityConfig });
type ServiceConfig = ReturnType<typeof serviceConfig.load>['config'];

/**
 * Every variable a service process reads at start (common, request limits, TLS, Kafka security),
 * with its default, accepted values and doc: `text` for `--help`, `markdown` for documents.
 */
export function describeServiceVariables(format: 'text' | 'markdown' = 'text'): string {
  return serviceConfig.describe(format);
}

/** A running service process and how to stop it (what SIGTERM and SIGINT call). */
export interface ServiceProcess {
  readonly hosted: HostedServices;
  /** Drains gRPC, stops consumers, closes the bus and releases the engine. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The whole `main` of a single-service process: loads the common service config from the
 * environment (exiting with EX_CONFIG on a bad value), builds the deps (Kafka when
 * `MNEME_KAFKA_BROKERS` is set, else the in-process bus; the ONNX Runtime executor on
 * `MNEME_DEVICE`), hosts the module built by `create`, and stops gracefully on SIGTERM/SIGINT.
 */
export async function startServiceProcess(
  name: string,
  create: (deps: ServiceDeps) => Promise<ServiceModule>,
  env: EnvSource = process.env,
): Promise<ServiceProcess> {
  const config = serviceConfig.loadOrExit(env);
  const { tls, kafka } = loadSecurityOrExit(config);
  const logger = processLogger(name, config.logLevel);
  // A bad token file or JWKS stops start-up here, before anything listens.
  const access = loadAccess({
    tokensFile: config.authTokens,
    jwksFile: config.authJwks,
    issuer: config.authIssuer,
    audience: config.authAudience,
    tenantClaim: config.authTenantClaim,
    maxInFlightPerTenant: config.tenantMaxInFlight,
  });
  const serviceToken = config.serviceTokenFile === undefined ? undefined : readFileSync(config.serviceTokenFile, 'utf8').trim();
  const brokers = config.kafkaBrokers ?? [];
  const bus: EventBus =
    brokers.length > 0
      ? new KafkaBus({
          brokers,
          clientId: `mneme-${name}`,
          topicPrefix: config.kafkaTopicPrefix,
          sessionTimeoutMs: config.kafkaSessionTimeout,
          security: kafka,
        })
      : new InProcessBus();
  // Topics are created up front (idempotent), so consumers never join a topic that does not exist.
  if (bus instanceof KafkaBus) await bus.ensureTopics();
  const engine = await Engine.create({ device: config.device, logger });
  const metrics = new ServiceMetrics();
  const deps: ServiceDeps = {
    dataDir: resolve(config.dataDir),
    ...(config.modelsDir === undefined ? {} : { modelsDir: resolve(config.modelsDir) }),
    bus,
    executor: createExecutor(engine),
    metrics,
    logger,
    limits: limitsOf(config),
    peers: {
      distiller: () => config.distillerAddress,
      replayMemory: () => config.replayMemoryAddress,
      promptPool: () => config.promptPoolAddress,
    },
    distillTimeoutMs: config.distillTimeout,
    checkpointEvery: config.checkpointEvery,
    replayMemoryLingerMs: config.replayMemoryLinger,
    ...(tls.client === undefined ? {} : { peerTls: tls.client }),
    ...(serviceToken ? { serviceToken } : {}),
  };
  const hosted = await hostServices({
    modules: [await create(deps)],
    metrics,
    bus,
    logger,
    host: config.grpcHost,
    port: config.grpcPort,
    maxMessageBytes: config.grpcMaxMessageBytes,
    shutdownGraceMs: config.shutdownGrace,
    tls: tls.server,
    allowInsecure: config.insecure,
    healthPort: config.healthPort,
    access,
    ...(config.metricsPort === undefined ? {} : { metricsPort: config.metricsPort }),
  });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await hosted.stop();
      await bus.close();
      await engine.dispose();
    })());
  const onSignal = (signal: string) => {
    logger.info('stopping', { signal });
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('stop failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return { hosted, stop };
}

/**
 * Reads the certificate, key and password files the configuration names, once, and refuses
 * plaintext on a non-loopback MNEME_GRPC_HOST without MNEME_INSECURE=1, before anything is built.
 * A problem is a configuration error: printed with the variable and the fix, and the process exits
 * with EX_CONFIG, as for a bad variable.
 */
function loadSecurityOrExit(config: ServiceConfig): { tls: TransportSecurity; kafka: KafkaSecurity } {
  const problems: string[] = [];
  // Every problem in one round: each loader's, then the plaintext rule.
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof InvalidArgumentError)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  };
  const tls = attempt(() =>
    loadTransportSecurity({
      cert: config.tlsCert,
      key: config.tlsKey,
      clientCa: config.tlsClientCa,
      ca: config.tlsCa,
      serverName: config.tlsServerName,
    }),
  );
  const kafka = attempt(() => loadKafkaSecurity(kafkaSecuritySettings(config)));
  const refusal = tls === undefined ? undefined : plaintextRefusal(config.grpcHost, tls.server !== undefined, config.insecure);
  if (refusal !== undefined) problems.push(`MNEME_GRPC_HOST=${config.grpcHost}: ${refusal.message}`);
  if (tls !== undefined && kafka !== undefined && problems.length === 0) return { tls, kafka };
  process.stderr.write(
    `Invalid configuration: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}\n${problems.map((p) => `  - ${p}\n`).join('')}`,
  );
  return process.exit(EX_CONFIG);
}
