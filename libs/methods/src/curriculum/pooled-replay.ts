/**
 * The pool-and-reservoir bookkeeping of the strategies that buffer an experience in an
 * {@link ExperiencePool} and train on it at the experience's end, replaying from an optional
 * reservoir (curriculum, active): one copy of how they keep, forget, describe and restore it.
 */
import { InvalidArgumentError } from '@mneme/errors';
import { checkBatch } from '../core/classifier.js';
import { checkIds, ExperiencePool, type ExperiencePoolState } from '../core/experience-pool.js';
import { memoryPortOf } from '../replay/memory-port.js';
import type { MemorySnapshot, ReservoirMemory } from '../replay/reservoir-memory.js';
import type { LabelledBatch, StrategyContext, StrategyDescription } from '../strategy.js';

/** The replay reservoir of `capacity` samples (seeded by the run seed and `salt`), or none when `capacity` is 0. */
export function optionalReservoir(ctx: StrategyContext, capacity: number, salt: number): ReservoirMemory | undefined {
  return capacity > 0 ? memoryPortOf(ctx).reservoir({ capacity, inputSize: ctx.classifier.inputSize, seed: ctx.seed ^ salt }) : undefined;
}

/** Checks an incoming batch (features, labels against `classes`, ids) and buffers it in `pool`. */
export function poolBatch(pool: ExperiencePool, batch: LabelledBatch, inputSize: number, classes: number): void {
  checkBatch(batch.features, batch.labels, { inputSize, classes });
  checkIds(batch);
  pool.add(batch);
}

/** Removes the samples `ids` from the pool and the reservoir; returns how many were held. */
export function forgetPooled(pool: ExperiencePool, memory: ReservoirMemory | undefined, ids: Iterable<number>): number {
  const doomed = [...ids];
  return pool.remove(doomed) + (memory?.delete(doomed) ?? 0);
}

/** The reservoir's size and capacity (0 without one). */
export function describePooled(memory: ReservoirMemory | undefined, capacity: number): StrategyDescription {
  return { memorySize: memory?.size ?? 0, memoryCapacity: capacity };
}

/** The saved form of the pool and the reservoir (`null` without one). */
export function pooledState(
  pool: ExperiencePool,
  memory: ReservoirMemory | undefined,
): { pool: ExperiencePoolState; memory: MemorySnapshot | null } {
  return { pool: pool.toState(), memory: memory?.snapshot() ?? null };
}

/**
 * Reads the saved pool and restores the reservoir from `data`, checking both before anything
 * changes; returns the pool for the caller to put in place.
 *
 * @throws InvalidArgumentError when the saved state and this strategy disagree on having a reservoir
 */
export function restorePooled(
  data: Readonly<Record<string, unknown>>,
  memory: ReservoirMemory | undefined,
  capacity: number,
): ExperiencePool {
  const nextPool = ExperiencePool.fromState(data['pool'] as ExperiencePoolState);
  const snapshot = data['memory'] as MemorySnapshot | null;
  if ((snapshot === null) !== (memory === undefined)) {
    throw new InvalidArgumentError(
      `the saved state ${snapshot === null ? 'has no' : 'has a'} replay memory but this strategy's memory option is ${capacity}`,
    );
  }
  if (snapshot !== null) memory?.restore(snapshot);
  return nextPool;
}
