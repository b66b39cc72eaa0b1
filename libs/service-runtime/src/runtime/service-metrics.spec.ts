import { InProcessBus, silentEventLogger } from '@mneme/events';
import { describe, expect, it } from 'vitest';
import { ServiceMetrics, stepLoss } from './service-metrics.js';

describe('ServiceMetrics', () => {
  it("records a step's loss only when learn resolved to an object with a finite numeric loss", async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    const loss = async () => (await metrics.trainingLoss.get()).values.find((v) => v.labels.model === 'm')?.value;
    metrics.recordTrainingLoss('m', undefined); // today's strategies resolve nothing
    expect(await loss()).toBeUndefined();
    metrics.recordTrainingLoss('m', { loss: 0.25 });
    expect(await loss()).toBe(0.25);
    for (const outcome of [null, 3, { loss: 'high' }, { loss: Number.NaN }, { loss: Infinity }, { other: 1 }])
      metrics.recordTrainingLoss('m', outcome);
    expect(await loss()).toBe(0.25);
    expect(stepLoss({ loss: 0 })).toBe(0);
  });

  it('reads the consumer lag of observed buses at each scrape, leaves out a bus that does not answer in time, and stops when unobserved', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false, consumerLagTimeoutMs: 200 });
    const bus = new InProcessBus({ logger: silentEventLogger });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await bus.subscribe('mneme.samples.v1', 'trainer', async () => gate);
    for (const key of ['a', 'a', 'b']) await bus.publish('mneme.samples.v1', key, new Uint8Array([1]));
    const unobserve = metrics.observeConsumerLag(bus);
    const hanging = metrics.observeConsumerLag({ consumerLag: () => new Promise(() => undefined) });
    metrics.observeConsumerLag({}); // a bus that cannot tell its lag adds nothing
    const scrape = () => metrics.registry.getSingleMetricAsString('mneme_consumer_lag');
    expect(await scrape()).toContain('mneme_consumer_lag{group="trainer",topic="mneme.samples.v1"} 3');
    release();
    await bus.whenIdle();
    expect(await scrape()).toContain('mneme_consumer_lag{group="trainer",topic="mneme.samples.v1"} 0');
    unobserve();
    hanging();
    expect(await scrape()).not.toContain('group="trainer"');
    await bus.close();
  });
});
