import { resolve } from 'node:path';
import { commonServiceConfig, defineConfig, type EnvSource } from '@mneme/config';
import { createExecutor, Engine } from '@mneme/engine';
import { InProcessBus, KafkaBus, type EventBus } from '@mneme/events';
import { jsonLogger } from '@mneme/rpc';
import { hostServices, type HostedServices } from './host-services.js';
import { ServiceMetrics } from './service-metrics.js';
import { limitsOf, type ServiceDeps, type ServiceModule } from './service-module.js';

const serviceConfig = defineConfig({ ...commonServiceConfig });

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
export async function startServiceProcess(name: string, create: (deps: ServiceDeps) => Promise<ServiceModule>, env: EnvSource = process.env): Promise<ServiceProcess> {
  const config = serviceConfig.loadOrExit(env);
  const logger = jsonLogger(name, config.logLevel);
  const brokers = config.kafkaBrokers ?? [];
  const bus: EventBus = brokers.length > 0 ? new KafkaBus({ brokers, clientId: `mneme-${name}`, topicPrefix: config.kafkaTopicPrefix, sessionTimeoutMs: config.kafkaSessionTimeout }) : new InProcessBus();
  // Topics are created up front (idempotent), so consumers never join a topic that does not exist.
  if (bus instanceof KafkaBus) await bus.ensureTopics();
  const engine = await Engine.create({ device: config.device, logger });
  const metrics = new ServiceMetrics();
  const deps: ServiceDeps = { dataDir: resolve(config.dataDir), ...(config.modelsDir === undefined ? {} : { modelsDir: resolve(config.modelsDir) }), bus, executor: createExecutor(engine), metrics, logger, limits: limitsOf(config), peers: { distiller: () => config.distillerAddress, replayMemory: () => config.replayMemoryAddress, promptPool: () => config.promptPoolAddress }, distillTimeoutMs: config.distillTimeout, checkpointEvery: config.checkpointEvery, replayMemoryLingerMs: config.replayMemoryLinger };
  const hosted = await hostServices({
    modules: [await create(deps)],
    metrics,
    logger,
    host: config.grpcHost,
    port: config.grpcPort,
    maxMessageBytes: config.grpcMaxMessageBytes,
    shutdownGraceMs: config.shutdownGrace,
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
