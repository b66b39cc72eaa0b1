/** Process entry of the mneme prompt-pool service: config from the environment, gRPC server, graceful stop. */
import { startServiceProcess } from '@mneme/service-runtime';
import { createPromptPoolService } from './index.js';

await startServiceProcess('prompt-pool', (deps) => createPromptPoolService(deps));
