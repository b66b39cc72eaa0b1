export { createTrainerService } from './trainer-service.js';
export type { TrainerModule, TrainerOptions } from './trainer-service.js';
export { versionToWire } from './version-wire.js';
export { remoteMemoryPort } from './remote-memory-port.js';
export type { MemoryReplication, RemoteMemoryOptions, ReplicationStatus } from './remote-memory-port.js';
