import { PromptPoolServiceService } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';
import { defineService, type ServiceBinding } from '@mneme/rpc';
import { describe, expect, it } from 'vitest';
import { instrumentService } from './instrument-service.js';
import { ServiceMetrics } from './service-metrics.js';

describe('instrumentService', () => {
  it('counts unary calls in flight while they run, and each outcome once they end', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const binding = defineService(PromptPoolServiceService, {
      getPool: async () => {
        await gate;
        return { selectionCounts: [], shared: [] };
      },
      createPool: () => Promise.reject(new InvalidArgumentError('spec.hidden_size must be positive')),
      selectPrompts: () => Promise.resolve({ selections: [] }),
      applyUpdate: () => Promise.resolve({}),
      listPoolVersions: () => Promise.resolve({ versions: [], nextPageToken: '' }),
    });
    const wrapped: ServiceBinding = instrumentService(binding, metrics);
    const call = (key: string) => (wrapped.handlers[key] as (req: unknown, ctx: unknown) => Promise<unknown>)({}, {});
    const inFlight = async () => (await metrics.inFlight.get()).values.find((v) => v.labels.service === binding.name)?.value ?? 0;

    const a = call('getPool');
    const b = call('getPool');
    expect(await inFlight()).toBe(2);
    await expect(call('createPool')).rejects.toThrow(/hidden_size/);
    expect(await inFlight()).toBe(2);
    release();
    await Promise.all([a, b]);
    expect(await inFlight()).toBe(0);
    const counts = (await metrics.requests.get()).values.map((v) => `${v.labels.method}:${v.labels.code}=${v.value}`).sort();
    expect(counts).toEqual(['CreatePool:invalid-argument=1', 'GetPool:ok=2']);
  });
});
