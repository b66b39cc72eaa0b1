import { join } from 'node:path';
import { createDistillerService } from '@mneme/distiller';
import { createEncoderService, encoderConfig, encoderOptionsFromEnv } from '@mneme/encoder';
import { createEvaluatorService } from '@mneme/evaluator';
import { createPromptPoolService } from '@mneme/prompt-pool';
import { StoreClassifiers } from '@mneme/service-runtime';
import { createReplayMemoryService } from '@mneme/replay-memory';
import type { ServiceDeps, ServiceModule } from '@mneme/service-runtime';
import { createTrainerService } from '@mneme/trainer';
import { InvalidArgumentError } from '@mneme/errors';

/** Builds a service module from the shared deps. */
export type ServiceFactory = (deps: ServiceDeps) => Promise<ServiceModule>;

/** Every service by its `mneme serve <name>` name, in start order. */
export const SERVICE_FACTORIES: Readonly<Record<string, ServiceFactory>> = Object.freeze({
  trainer: (deps) => createTrainerService(deps),
  evaluator: (deps) => createEvaluatorService(deps),
  // Its MNEME_ENCODER_* variables apply however it is started (mneme serve, the image, mneme up).
  encoder: (deps) => createEncoderService(deps, encoderOptionsFromEnv()),
  // MIR retrieval scores with model versions from the shared model store.
  'replay-memory': (deps) =>
    createReplayMemoryService(deps, {
      classifiers: new StoreClassifiers(deps.dataDir, deps.executor, deps.modelsDir ?? join(deps.dataDir, 'models')),
    }),
  'prompt-pool': (deps) => createPromptPoolService(deps),
  distiller: (deps) => createDistillerService(deps),
});

/** The factory of a service name; an unknown name lists the valid ones. */
export function serviceFactory(name: string): ServiceFactory {
  const factory = SERVICE_FACTORIES[name];
  if (factory === undefined)
    throw new InvalidArgumentError(`unknown service '${name}'; services: ${Object.keys(SERVICE_FACTORIES).join(', ')}`);
  return factory;
}

/** The variables one service reads beyond the common ones (`mneme serve --help`), by service. */
export function describeOwnServiceVariables(format: 'text' | 'markdown' = 'text'): Readonly<Record<string, string>> {
  return { encoder: encoderConfig.describe(format) };
}
