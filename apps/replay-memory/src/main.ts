/** Process entry of the mneme replay-memory service: config from the environment, gRPC server, graceful stop. MIR retrieval scores with versions from the shared model store. */
import { join } from 'node:path';
import { startServiceProcess, StoreClassifiers } from '@mneme/service-runtime';
import { createReplayMemoryService } from './index.js';

await startServiceProcess('replay-memory', (deps) =>
  createReplayMemoryService(deps, {
    classifiers: new StoreClassifiers(deps.dataDir, deps.executor, deps.modelsDir ?? join(deps.dataDir, 'models')),
  }),
);
