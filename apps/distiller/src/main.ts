/** Process entry of the mneme distiller service: config from the environment, gRPC server, graceful stop. */
import { createDistillerService, startServiceProcess } from '@mneme/services';

await startServiceProcess('distiller', (deps) => createDistillerService(deps));
