/** The trainer service: creates models, takes samples into the samples topic, trains each model from its durable log, checkpoints and announces versions. */
export { createTrainerService } from './trainer-service.js';
export type { TrainerModule, TrainerOptions } from './trainer-service.js';
export { remoteMemoryPort } from './remote-memory-port.js';
export type { MemoryReplication, RemoteMemoryOptions, ReplicationStatus } from './remote-memory-port.js';
export { ModelLease } from './trainer-lease.js';
