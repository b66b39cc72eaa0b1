/** The replay-memory service: bounded per-model memories and Maximally Interfered Retrieval. */
export { createReplayMemoryService } from './replay-memory-service.js';
export type { ReplayMemoryOptions } from './replay-memory-service.js';
