/** The distiller service: buffers each experience's samples and distils closed experiences into versioned synthetic sets. */
export { createDistillerService } from './distiller-service.js';
export type { DistillerOptions } from './distiller-service.js';
export { mlpNetworks } from './network-source.js';
export type { NetworkSource } from './network-source.js';
