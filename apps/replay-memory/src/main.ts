/** Process entry of the mneme replay-memory service: config from the environment, gRPC server, graceful stop. MIR retrieval scores with versions from the shared model store. */
import { serviceFactory, startServiceProcess } from '@mneme/services';

await startServiceProcess('replay-memory', serviceFactory('replay-memory'));
