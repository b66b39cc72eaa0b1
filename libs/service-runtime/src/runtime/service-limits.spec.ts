import { DEFAULT_REQUEST_LIMITS } from '@mneme/config';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVICE_LIMITS, limitsFromEnv, limitsOf } from './service-module.js';

describe('service limits', () => {
  it('default to the request limits table, and are read from MNEME_MAX_* as a service reads them', () => {
    expect(DEFAULT_SERVICE_LIMITS).toEqual(DEFAULT_REQUEST_LIMITS);
    expect(limitsFromEnv({})).toEqual(DEFAULT_REQUEST_LIMITS);
    expect(limitsFromEnv({ MNEME_MAX_ID_BYTES: '64', MNEME_MAX_POOL_FLOATS: '1000', MNEME_GRPC_PORT: '1' })).toEqual({
      ...DEFAULT_REQUEST_LIMITS,
      maxIdBytes: 64,
      maxPoolFloats: 1000,
    });
  });

  it('keeps only the limits of a loaded config that holds other options too', () => {
    expect(limitsOf({ ...DEFAULT_REQUEST_LIMITS, maxLabels: 3, grpcPort: 1 } as typeof DEFAULT_REQUEST_LIMITS)).toEqual({
      ...DEFAULT_REQUEST_LIMITS,
      maxLabels: 3,
    });
  });
});
