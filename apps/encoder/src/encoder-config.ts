import { defineConfig, int, str, type EnvSource } from '@mneme/config';
import type { EncoderOptions } from './encoder-service.js';

/** The encoder's own variables (the common service ones are read by startServiceProcess). */
export const encoderConfig = defineConfig(
  {
    maxBatch: int({
      env: 'MNEME_ENCODER_MAX_BATCH',
      default: 64,
      min: 1,
      max: 1024,
      doc: 'Inputs that fill a batch; concurrent requests for one model share a forward pass up to this many inputs.',
    }),
    maxDelayMs: int({
      env: 'MNEME_ENCODER_MAX_DELAY_MS',
      default: 2,
      min: 0,
      max: 1000,
      doc: 'Longest a request waits (ms) for its batch to fill.',
    }),
    defaultEncoder: str({
      env: 'MNEME_ENCODER_DEFAULT',
      default: 'all-MiniLM-L6-v2',
      doc: 'Encoder of Embed requests that name no model (a folder of `<data dir>/models`).',
    }),
    modelsDir: str({ env: 'MNEME_ENCODER_MODELS_DIR', doc: 'Folder of frozen encoders; unset means `<data dir>/models`.' }),
  },
  // Only this schema's own prefix: the common variables are read (and checked) by startServiceProcess.
  { prefix: 'MNEME_ENCODER_' },
);

/**
 * The encoder's options from its MNEME_ENCODER_* variables, however the service is started
 * (`mneme serve encoder`, the image's entry point, or `mneme up`). A bad value stops the process
 * with a message naming the variable (EX_CONFIG).
 */
export function encoderOptionsFromEnv(env: EnvSource = process.env): EncoderOptions {
  const o = encoderConfig.loadOrExit(env);
  return {
    maxBatch: o.maxBatch,
    maxDelayMs: o.maxDelayMs,
    defaultEncoder: o.defaultEncoder,
    ...(o.modelsDir === undefined ? {} : { modelsDir: o.modelsDir }),
  };
}
