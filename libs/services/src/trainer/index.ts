export { createTrainerService } from './trainer-service.js';
export type { TrainerModule, TrainerOptions } from './trainer-service.js';
export { versionToWire } from './version-wire.js';
