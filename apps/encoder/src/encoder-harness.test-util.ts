import { EncoderServiceClient, ScenarioKind, TrainerServiceClient } from '@mneme/contracts';
import type { Executor } from '@mneme/execution';
import { createClient, unary, type Logger } from '@mneme/rpc';
import { hostServices, type HostedServices } from '@mneme/service-runtime';
import type { ServiceDeps } from '@mneme/service-runtime';
import { createTrainerService } from '@mneme/trainer';
import { testDeps } from '@mneme/testing';
import { features, HAVE_MINILM, MODELS_DIR, text } from '@mneme/testing';
import { createEncoderService, type EncoderModule, type EncoderOptions } from './encoder-service.js';

// The model store, and feature and text inputs, are the harness's (trainer tests use them too).
export { features, HAVE_MINILM, MODELS_DIR, text };

/**
 * An executor that counts forward runs on the way to the real one, so tests can see how many
 * passes a burst of requests cost.
 */
export function countingExecutor(real: Executor): Executor & { forwards: number } {
  const counting = {
    forwards: 0,
    device: real.device,
    forward: (...args: Parameters<Executor['forward']>) => {
      counting.forwards++;
      return real.forward(...args);
    },
    lossAndGradients: (...args: Parameters<Executor['lossAndGradients']>) => real.lossAndGradients(...args),
    trainStep: (...args: Parameters<Executor['trainStep']>) => real.trainStep(...args),
    ...(real.virtualStep === undefined ? {} : { virtualStep: real.virtualStep.bind(real) }),
  };
  return counting;
}

/** The trainer and the encoder on one real gRPC server, with clients of both. */
export interface Stack {
  readonly deps: ServiceDeps;
  readonly encoder: EncoderServiceClient;
  readonly trainer: TrainerServiceClient;
  readonly module: EncoderModule;
  readonly host: HostedServices;
  stop(): Promise<void>;
}

/** Starts the trainer and encoder services on 127.0.0.1 over `dataDir`. */
export async function startStack(dataDir: string, options: EncoderOptions & { executor?: Executor; logger?: Logger } = {}): Promise<Stack> {
  const base = await testDeps(dataDir);
  const deps: ServiceDeps = { ...base, executor: options.executor ?? base.executor, logger: options.logger ?? base.logger };
  const trainerModule = await createTrainerService(deps, { modelsDir: MODELS_DIR });
  const module = await createEncoderService(deps, { modelsDir: MODELS_DIR, ...options });
  const host = await hostServices({ modules: [trainerModule, module], metrics: deps.metrics, logger: deps.logger });
  const encoder = createClient(EncoderServiceClient, host.address);
  const trainer = createClient(TrainerServiceClient, host.address);
  return {
    deps,
    encoder,
    trainer,
    module,
    host,
    stop: async () => {
      encoder.close();
      trainer.close();
      await host.stop();
      await deps.bus.close();
    },
  };
}

/** Creates a naive `mlp:4-8` model with labels a and b (version 1, untrained). */
export async function createMlpModel(stack: Stack, modelId: string): Promise<void> {
  const c = stack.trainer;
  await unary(c.createModel.bind(c), {
    modelId,
    spec: {
      base: 'mlp:4-8',
      scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
      strategy: { name: 'naive', options: {} },
      labels: ['a', 'b'],
      seed: 1,
    },
  });
}
