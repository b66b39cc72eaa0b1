/**
 * The encoder service process (embeddings and predictions of model versions, with dynamic batching
 * and hot reload):
 *
 *   node --conditions=@mneme/source --import tsx apps/encoder/src/main.ts
 *
 * The common service variables (MNEME_GRPC_PORT, MNEME_DATA_DIR, MNEME_KAFKA_BROKERS,
 * MNEME_DEVICE, ...) are read by `startServiceProcess`, which also picks the event bus (Kafka when
 * brokers are set, else in-process), creates the ONNX Runtime executor, hosts the service and stops
 * it gracefully on SIGTERM/SIGINT. The encoder's own knobs are below.
 */
import { startServiceProcess } from '@mneme/service-runtime';
import { encoderOptionsFromEnv } from './encoder-config.js';
import { createEncoderService } from './index.js';

// Read before anything starts, so a bad MNEME_ENCODER_* value stops the process at once.
const options = encoderOptionsFromEnv();
await startServiceProcess('encoder', (deps) => createEncoderService(deps, options));
