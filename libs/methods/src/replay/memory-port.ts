/**
 * The memory port: where a strategy's kept samples live. Every strategy that keeps samples (er,
 * mir, curriculum and active replay, knn, knn-head) makes its memory through the port in its
 * context, so it never knows whether the memory is local. The memory's *policy* (which samples are
 * kept, which are drawn) always runs next to the strategy, on the seeded stream `mneme run` uses,
 * so a deployed model learns exactly what the embedded run learns; a deployed port also hands every
 * change of the held set to a {@link MemoryListener}, which the trainer binds to the replay-memory
 * service (the durable, shared copy other clients read, describe and delete from).
 */
import { KnnMemory, type KnnMemoryOptions } from '../retrieval/knn-memory.js';
import type { MemoryListener } from './memory-listener.js';
import { ReservoirMemory, type ReservoirMemoryOptions } from './reservoir-memory.js';

/** What a memory is, for the port that makes it (the service records it with the copy). */
export interface MemoryDescription {
  readonly kind: 'reservoir' | 'knn';
  /** Most samples held (Infinity: every sample). */
  readonly capacity: number;
  /** Row width. */
  readonly inputSize: number;
  /** Whether each class gets an equal share (class-balanced reservoir). */
  readonly balanced: boolean;
}

/** Makes a strategy's memories (see the file comment). */
export interface MemoryPort {
  reservoir(options: ReservoirMemoryOptions): ReservoirMemory;
  knn(options: KnnMemoryOptions): KnnMemory;
}

/** The port of a context: its own, or the in-process one. */
export function memoryPortOf(ctx: { readonly memory?: MemoryPort }): MemoryPort {
  return ctx.memory ?? IN_PROCESS_MEMORY;
}

/** The in-process port of `mneme run`: plain memories, nothing replicated. */
export const IN_PROCESS_MEMORY: MemoryPort = Object.freeze({
  reservoir: (options: ReservoirMemoryOptions) => new ReservoirMemory(options),
  knn: (options: KnnMemoryOptions) => new KnnMemory(options),
});

/**
 * A port whose memories report their changes to the listener `attach` gives for each memory made
 * (a strategy makes at most one).
 */
export function listenedMemoryPort(attach: (memory: MemoryDescription) => MemoryListener): MemoryPort {
  return {
    reservoir: (options) =>
      new ReservoirMemory({
        ...options,
        listener: attach({
          kind: 'reservoir',
          capacity: options.capacity,
          inputSize: options.inputSize,
          balanced: options.balanced ?? false,
        }),
      }),
    knn: (options) =>
      new KnnMemory({
        ...options,
        listener: attach({
          kind: 'knn',
          capacity: options.capacity ?? Number.POSITIVE_INFINITY,
          inputSize: options.inputSize,
          balanced: false,
        }),
      }),
  };
}
