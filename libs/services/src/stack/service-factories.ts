import { join } from 'node:path';
import { createDistillerService } from '../distiller/index.js';
import { createEncoderService } from '../encoder/index.js';
import { createEvaluatorService } from '../evaluator/index.js';
import { createPromptPoolService } from '../prompt-pool/index.js';
import { StoreClassifiers } from '../models/store-classifiers.js';
import { createReplayMemoryService } from '../replay-memory/index.js';
import type { ServiceDeps, ServiceModule } from '../runtime/service-module.js';
import { createTrainerService } from '../trainer/index.js';

/** Builds a service module from the shared deps. */
export type ServiceFactory = (deps: ServiceDeps) => Promise<ServiceModule>;

/** Every service by its `mneme serve <name>` name, in start order. */
export const SERVICE_FACTORIES: Readonly<Record<string, ServiceFactory>> = Object.freeze({
  trainer: (deps) => createTrainerService(deps),
  evaluator: (deps) => createEvaluatorService(deps),
  encoder: (deps) => createEncoderService(deps),
  // MIR retrieval scores with model versions from the shared model store.
  'replay-memory': (deps) => createReplayMemoryService(deps, { classifiers: new StoreClassifiers(deps.dataDir, deps.executor, deps.modelsDir ?? join(deps.dataDir, 'models')) }),
  'prompt-pool': (deps) => createPromptPoolService(deps),
  distiller: (deps) => createDistillerService(deps),
});

/** The factory of a service name; an unknown name lists the valid ones. */
export function serviceFactory(name: string): ServiceFactory {
  const factory = SERVICE_FACTORIES[name];
  if (factory === undefined) throw new Error(`unknown service '${name}'; services: ${Object.keys(SERVICE_FACTORIES).join(', ')}`);
  return factory;
}
