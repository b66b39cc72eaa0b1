/** The encoder (inference) service: embeddings and predictions with dynamic batching and hot reload. */
export { createEncoderService } from './encoder-service.js';
export { encoderConfig, encoderOptionsFromEnv } from './encoder-config.js';
export type { EncoderHandlers, EncoderModule, EncoderOptions } from './encoder-service.js';
export { DynamicBatcher } from './dynamic-batcher.js';
export type { DynamicBatcherOptions } from './dynamic-batcher.js';
