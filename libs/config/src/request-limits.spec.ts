import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { defineConfig } from './define-config.js';
import { DEFAULT_REQUEST_LIMITS, limitProblem, REQUEST_LIMITS, requestLimitsConfig } from './request-limits.js';

const limits = defineConfig(requestLimitsConfig);

describe('request limits', () => {
  it('default to the table’s values, each read from its own variable', () => {
    expect(limits.load({}).config).toEqual(DEFAULT_REQUEST_LIMITS);
    expect(DEFAULT_REQUEST_LIMITS.maxLabels).toBe(10_000);
    for (const [name, spec] of Object.entries(REQUEST_LIMITS)) {
      expect(limits.load({ [spec.env]: '7' }).config).toEqual({ ...DEFAULT_REQUEST_LIMITS, [name]: 7 });
      expect(spec.default).toBeLessThanOrEqual(spec.max);
    }
  });

  it('refuses a limit of zero, a negative one and one past its maximum', () => {
    expect(() => limits.load({ MNEME_MAX_POOL_FLOATS: '0' })).toThrow(ConfigError);
    expect(() => limits.load({ MNEME_MAX_ID_BYTES: '-1' })).toThrow(ConfigError);
    expect(() => limits.load({ MNEME_MAX_EXPERIENCE_INDEX: '4294967296' })).toThrow(ConfigError);
  });

  it('names the limit, its value and its variable in the problem of a request over it', () => {
    expect(limitProblem('samples', 10_000, 'maxSamplesPerRequest', DEFAULT_REQUEST_LIMITS)).toBeUndefined();
    expect(limitProblem('samples', 10_001, 'maxSamplesPerRequest', DEFAULT_REQUEST_LIMITS)).toBe(
      'samples is 10001, over the limit of 10000 (MNEME_MAX_SAMPLES_PER_REQUEST)',
    );
    expect(limitProblem('x', Number.NaN, 'maxIdBytes', DEFAULT_REQUEST_LIMITS)).toMatch(/x is NaN, over the limit of 256/);
  });
});

describe('the README', () => {
  it('lists every request limit with its variable and default', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const spec of Object.values(REQUEST_LIMITS))
      expect(readme).toContain(`| \`${spec.env}\` | ${spec.default.toLocaleString('en-US')}`);
  });
});
