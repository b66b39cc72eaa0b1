/** Process entry of the mneme replay-memory service: config from the environment, gRPC server, graceful stop. */
import { createReplayMemoryService, startServiceProcess } from '@mneme/services';

await startServiceProcess('replay-memory', (deps) => createReplayMemoryService(deps));
