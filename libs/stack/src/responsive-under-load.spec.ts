import {
  DistillationMethod,
  DistillerServiceClient,
  JobState,
  PromptPoolServiceClient,
  ScenarioKind,
  TrainerServiceClient,
} from '@mneme/contracts';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import { createClient, healthClient, unary } from '@mneme/rpc';
import { ServiceMetrics } from '@mneme/service-runtime';
import { tensor } from '@mneme/tensor';
import { quietLogger, removeDir, tempDataDir, testExecutor } from '@mneme/testing';
import { toWire } from '@mneme/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type RunningStack } from './start-stack.js';

// A health check or a cheap RPC must answer within this while long work runs in the same process
// (the fuzz test's budget too). Unyielding pool creation stalled them for 4.5 s; they now take < 0.3 s.
const PROMPT_MS = 1_000;

/**
 * Long work (distillation, model creation, pool creation) shares the process, and its event loop,
 * with health checks and every other RPC; it must yield often enough that they still answer at once.
 */
describe('health and cheap RPCs answer promptly while long work runs', () => {
  let dir: string;
  let bus: InProcessBus;
  let stack: RunningStack;

  beforeAll(async () => {
    dir = await tempDataDir();
    bus = new InProcessBus({ logger: silentEventLogger });
    stack = await startStack({
      services: ['trainer', 'distiller', 'prompt-pool'],
      dataDir: dir,
      bus,
      executor: await testExecutor(),
      logger: quietLogger,
      metrics: new ServiceMetrics({ defaultMetrics: false }),
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await bus?.close();
    if (dir !== undefined) await removeDir(dir);
  });

  /** Runs `work` while probing health and `cheap` every 25 ms; returns the slowest answer of each. */
  async function probeDuring(
    work: () => Promise<unknown>,
    cheap: () => Promise<unknown>,
  ): Promise<{ health: number; cheap: number; probes: number }> {
    const health = healthClient(stack.address);
    await health.check('');
    await cheap();
    let done = false;
    const worst = { health: 0, cheap: 0, probes: 0 };
    const probe = (async () => {
      while (!done) {
        let started = performance.now();
        expect(await health.check('', 5_000)).toBe('SERVING');
        worst.health = Math.max(worst.health, performance.now() - started);
        started = performance.now();
        await cheap();
        worst.cheap = Math.max(worst.cheap, performance.now() - started);
        worst.probes++;
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    try {
      await work();
    } finally {
      done = true;
      await probe;
      health.close();
    }
    return worst;
  }

  it('while a distillation runs', async () => {
    const distiller = createClient(DistillerServiceClient, stack.address);
    const n = 200;
    const width = 32;
    const rows = Float32Array.from({ length: n * width }, (_, i) => Math.sin(i));
    const real = {
      rows: toWire(tensor('float32', [n, width], rows)),
      labels: Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'a' : 'b')),
    };
    const spec = {
      samplesPerLabel: 5,
      method: DistillationMethod.DISTILLATION_METHOD_BILEVEL,
      innerSteps: 1,
      outerSteps: 150,
      innerLearningRate: 0.01,
      initFromReal: true,
      seed: 1,
      realBatch: 64,
      outerLearningRate: 0.01,
      initsPerStep: 1,
    };
    const worst = await probeDuring(
      async () => {
        const { job } = await unary(distiller.startDistillation.bind(distiller), {
          experience: { modelId: 'd', experienceIndex: 0 },
          model: undefined,
          spec,
          real,
          network: { sizes: [width, 64, 2], labels: ['a', 'b'] },
        });
        for (;;) {
          const state = (await unary(distiller.getDistillationJob.bind(distiller), { jobId: job!.jobId })).job!.state;
          if (state === JobState.JOB_STATE_SUCCEEDED || state === JobState.JOB_STATE_FAILED) {
            expect(state).toBe(JobState.JOB_STATE_SUCCEEDED);
            return;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      () => unary(distiller.listSyntheticSets.bind(distiller), { modelId: 'd', page: undefined }),
    );
    distiller.close();
    console.log('during distillation', worst);
    expect(worst.probes).toBeGreaterThan(3);
    expect(worst.health).toBeLessThan(PROMPT_MS);
    expect(worst.cheap).toBeLessThan(PROMPT_MS);
  }, 120_000);

  it('while the largest allowed prompt pool is created', async () => {
    const pools = createClient(PromptPoolServiceClient, stack.address);
    // 8Mi floats: MNEME_MAX_POOL_FLOATS' default.
    const worst = await probeDuring(
      () =>
        unary(
          pools.createPool.bind(pools),
          { pool: { modelId: 'big', tenant: '' }, spec: { poolSize: 32, promptLength: 64, topN: 5, hiddenSize: 4096, seed: 1 } },
          { timeoutMs: 60_000 },
        ),
      () => unary(pools.listPoolVersions.bind(pools), { pool: { modelId: 'none', tenant: '' }, page: undefined }).catch(() => undefined),
    );
    pools.close();
    console.log('during pool creation', worst);
    expect(worst.health).toBeLessThan(PROMPT_MS);
    expect(worst.cheap).toBeLessThan(PROMPT_MS);
  }, 120_000);

  it('while a model with the most labels allowed is created', async () => {
    const trainer = createClient(TrainerServiceClient, stack.address);
    const labels = Array.from({ length: 10_000 }, (_, i) => `label-${i}`);
    const worst = await probeDuring(
      () =>
        unary(
          trainer.createModel.bind(trainer),
          {
            modelId: 'wide',
            spec: {
              base: 'mlp:256-512',
              scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
              strategy: { name: 'naive', options: {} },
              labels,
              seed: 1,
            },
          },
          { timeoutMs: 60_000 },
        ),
      () => unary(trainer.getTrainingStatus.bind(trainer), { modelId: 'none' }).catch(() => undefined),
    );
    trainer.close();
    console.log('during model creation', worst);
    expect(worst.health).toBeLessThan(PROMPT_MS);
    expect(worst.cheap).toBeLessThan(PROMPT_MS);
  }, 120_000);
});
