import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutor, Engine } from '@mneme/engine';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import { jsonLogger } from '@mneme/rpc';
import { ServiceMetrics } from '@mneme/service-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from './load-run.js';
import { startStack, type RunningStack } from './start-stack.js';

/** 64 clients on Ingest and Predict against the embedded stack (`npm run bench:load` runs 60 s and reports the figures). */
describe('the embedded stack under load (64 clients on Ingest and Predict)', () => {
  let dir: string;
  let bus: InProcessBus;
  let stack: RunningStack;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mneme-load-'));
    bus = new InProcessBus({ logger: silentEventLogger });
    const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1 }));
    stack = await startStack({ services: ['trainer', 'encoder'], dataDir: dir, bus, executor, logger: jsonLogger('test', 'error'), metrics: new ServiceMetrics({ defaultMetrics: false }) });
  });
  afterAll(async () => {
    await stack?.stop();
    await bus?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers every call (RESOURCE_EXHAUSTED aside), and trains exactly the samples it accepted', async () => {
    const result = await runLoad({ address: stack.address, durationMs: 4_000, connect: { readyTimeoutMs: 10_000 } });
    expect({ ingestErrors: result.ingest.errors, predictErrors: result.predict.errors }).toEqual({ ingestErrors: {}, predictErrors: {} });
    expect(result.ingest.calls - result.ingest.exhausted).toBeGreaterThan(0);
    expect(result.predict.calls - result.predict.exhausted).toBeGreaterThan(0);
    expect(result.accepted).toBeGreaterThan(0);
    expect(result.trained).toBe(result.accepted);
  }, 120_000);
});
