/** Process entry of the mneme distiller service: config from the environment, gRPC server, graceful stop. */
import { startServiceProcess } from '@mneme/service-runtime';
import { createDistillerService } from './index.js';

await startServiceProcess('distiller', (deps) => createDistillerService(deps));
