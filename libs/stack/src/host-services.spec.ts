import { ScenarioKind, TrainerServiceClient } from '@mneme/contracts';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import { createClient, healthClient, unary } from '@mneme/rpc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, quietLogger, tempDataDir, testExecutor } from '@mneme/testing';
import { startStack, type RunningStack } from './start-stack.js';
import { ServiceMetrics } from '@mneme/service-runtime';

describe('hosted services: health and Prometheus metrics', () => {
  let dir: string;
  let bus: InProcessBus;
  let stack: RunningStack;

  beforeEach(async () => {
    dir = await tempDataDir();
    bus = new InProcessBus({ logger: silentEventLogger });
    stack = await startStack({
      services: ['trainer', 'evaluator'],
      dataDir: dir,
      bus,
      executor: await testExecutor(),
      logger: quietLogger,
      metrics: new ServiceMetrics(),
      metricsPort: 0,
    });
  });
  afterEach(async () => {
    await stack.stop();
    await bus.close();
    await removeDir(dir);
  });

  it('counts and times every call by outcome, reports training steps, and serves /metrics', async () => {
    const trainer = createClient(TrainerServiceClient, stack.address);
    await expect(unary(trainer.getTrainingStatus.bind(trainer), { modelId: 'ghost' })).rejects.toMatchObject({ kind: 'not-found' });
    await unary(trainer.createModel.bind(trainer), {
      modelId: 'm',
      spec: {
        base: 'mlp:2-4',
        scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
        strategy: { name: 'naive', options: {} },
        labels: ['a', 'b'],
        seed: 0,
      },
    });
    trainer.close();
    const text = await (await fetch(`http://127.0.0.1:${stack.metricsEndpoint!.port}/metrics`)).text();
    expect(text).toMatch(/mneme_grpc_requests_total\{service="mneme\.v1\.TrainerService",method="GetTrainingStatus",code="not-found"\} 1/);
    expect(text).toMatch(/mneme_grpc_requests_total\{service="mneme\.v1\.TrainerService",method="CreateModel",code="ok"\} 1/);
    expect(text).toMatch(/mneme_grpc_request_duration_seconds_count\{service="mneme\.v1\.TrainerService",method="CreateModel"\} 1/);
    expect(text).toMatch(/# TYPE mneme_training_steps_total counter/);
    expect(text).toMatch(/mneme_process_cpu_seconds_total/);
    expect((await fetch(`http://127.0.0.1:${stack.metricsEndpoint!.port}/other`)).status).toBe(404);
    const health = healthClient(stack.address);
    expect(await health.check('mneme.v1.EvaluatorService')).toBe('SERVING');
    health.close();
  });
});
