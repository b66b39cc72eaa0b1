import type { ParameterStore } from '@mneme/execution';
import { classColumns, widenClassParam } from '../core/class-columns.js';
import type { ExperienceInfo } from '../strategy.js';
import { L2P_IO } from './l2p-graphs.js';

/**
 * The classes a prompt strategy has met, as its saved state keeps them: those of the experience in
 * progress, every class seen, and each task's (for task-incremental prediction).
 */
export interface PromptClassState {
  currentClasses: number[];
  seen: number[];
  /** Classes per task id. */
  taskClasses: Record<string, number[]>;
}

/** Notes the classes of an experience that begins. */
export function noteExperienceClasses(data: PromptClassState, info: ExperienceInfo): void {
  data.currentClasses = [...info.classes];
  data.seen = [...new Set([...data.seen, ...info.classes])].sort((a, b) => a - b);
  if (info.taskId !== undefined) data.taskClasses[String(info.taskId)] = [...info.classes];
}

/**
 * The classes a prediction may name. `task`: the task's classes when a task id is given (undefined
 * for a task never seen, or without an id); a fitted head takes only this, as it ranges over the
 * classes it has statistics for. `allowed`: `task`, else every class seen (undefined before any), for
 * a trained head whose unseen classes keep their random initial logits.
 */
export function predictionClasses(
  data: PromptClassState,
  taskId: number | undefined,
): { task: readonly number[] | undefined; allowed: readonly number[] | undefined } {
  const task = taskId === undefined ? undefined : data.taskClasses[String(taskId)];
  return { task, allowed: task ?? (data.seen.length > 0 ? data.seen : undefined) };
}

/**
 * Widens a prompt strategy's trained head (`L2P_IO.headWeight`, `d × classes`, and for a linear
 * head `L2P_IO.headBias`) from `from` to `to` classes, each new column drawn from its own stream of
 * `seed ^ salt` so that a head grown class by class equals one made whole.
 */
export function widenTrainedHead(
  store: ParameterStore,
  linear: boolean,
  seed: number,
  salt: number,
  d: number,
  from: number,
  to: number,
): void {
  const added = classColumns(seed, salt, d, from, to);
  widenClassParam(store, L2P_IO.headWeight, d, to, added.weight);
  if (linear) widenClassParam(store, L2P_IO.headBias, 0, to, added.bias);
}
