import { describe, expect, it } from 'vitest';
import { encoderConfig, encoderOptionsFromEnv } from './encoder-config.js';

describe('the encoder options from MNEME_ENCODER_*', () => {
  it('takes each variable, and defaults without them', () => {
    expect(encoderOptionsFromEnv({})).toEqual({ maxBatch: 64, maxDelayMs: 2, defaultEncoder: 'all-MiniLM-L6-v2' });
    expect(
      encoderOptionsFromEnv({
        MNEME_ENCODER_MAX_BATCH: '8',
        MNEME_ENCODER_MAX_DELAY_MS: '0',
        MNEME_ENCODER_DEFAULT: 'e5',
        MNEME_ENCODER_MODELS_DIR: '/models',
      }),
    ).toEqual({
      maxBatch: 8,
      maxDelayMs: 0,
      defaultEncoder: 'e5',
      modelsDir: '/models',
    });
  });

  it('refuses a bad value, naming the variable', () => {
    expect(() => encoderConfig.load({ MNEME_ENCODER_MAX_BATCH: '0' })).toThrow(/MNEME_ENCODER_MAX_BATCH/);
  });
});
