/**
 * The trainer service process: creates models, takes samples over gRPC into the samples topic,
 * trains each model's strategy from its durable log, checkpoints, and announces versions:
 *
 *   node --conditions=@mneme/source --import tsx apps/trainer/src/main.ts
 *
 * Configured by the common service variables (MNEME_GRPC_PORT, MNEME_DATA_DIR, MNEME_KAFKA_BROKERS,
 * MNEME_DEVICE, ...), read and checked by `startServiceProcess`.
 */
import { startServiceProcess } from '@mneme/service-runtime';
import { createTrainerService } from './index.js';

await startServiceProcess('trainer', (deps) => createTrainerService(deps));
