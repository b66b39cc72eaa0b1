/** Process entry of the mneme prompt-pool service: config from the environment, gRPC server, graceful stop. */
import { createPromptPoolService, startServiceProcess } from '@mneme/services';

await startServiceProcess('prompt-pool', (deps) => createPromptPoolService(deps));
