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
import { int, str, defineConfig } from '@mneme/config';
import { startServiceProcess } from '@mneme/service-runtime';
import { createEncoderService } from './index.js';

const encoderConfig = defineConfig(
  {
    maxBatch: int({ env: 'MNEME_ENCODER_MAX_BATCH', default: 64, min: 1, max: 1024, doc: 'Inputs that fill a batch; concurrent requests for one model share a forward pass up to this many inputs.' }),
    maxDelayMs: int({ env: 'MNEME_ENCODER_MAX_DELAY_MS', default: 2, min: 0, max: 1000, doc: 'Longest a request waits (ms) for its batch to fill.' }),
    defaultEncoder: str({ env: 'MNEME_ENCODER_DEFAULT', default: 'all-MiniLM-L6-v2', doc: 'Encoder of Embed requests that name no model (a folder of `<data dir>/models`).' }),
    modelsDir: str({ env: 'MNEME_ENCODER_MODELS_DIR', doc: 'Folder of frozen encoders; unset means `<data dir>/models`.' }),
  },
  // Only this schema's own prefix: the common variables are read (and checked) by startServiceProcess.
  { prefix: 'MNEME_ENCODER_' },
);

const options = encoderConfig.loadOrExit();
await startServiceProcess('encoder', (deps) =>
  createEncoderService(deps, {
    maxBatch: options.maxBatch,
    maxDelayMs: options.maxDelayMs,
    defaultEncoder: options.defaultEncoder,
    ...(options.modelsDir === undefined ? {} : { modelsDir: options.modelsDir }),
  }),
);
