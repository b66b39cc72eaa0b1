import { InvalidArgumentError } from '@mneme/errors';
import type { MetricValue } from './definitions.js';

/** One set of predictions, as class scores, with the task of every sample. */
export interface ScoredSamples {
  /** `n × numClasses` scores (logits or probabilities), row-major. */
  readonly scores: ArrayLike<number>;
  readonly numClasses: number;
  /** True class index of each sample. */
  readonly labels: ArrayLike<number>;
  /** Task (experience) index of each sample. */
  readonly tasks: ArrayLike<number>;
  /** The class indices of each task; a sample's label must be among its task's classes. */
  readonly taskClasses: readonly (readonly number[])[];
}

/** Class-IL and task-IL accuracy of the same predictions. */
export interface IncrementalAccuracy {
  /** argmax over all classes (single head). */
  readonly classIncremental: MetricValue;
  /** argmax over the classes of the sample's task only (masked, multi-head). */
  readonly taskIncremental: MetricValue;
}

/**
 * Class-incremental and task-incremental accuracy from one set of scores: the first takes the
 * argmax over every class, the second masks each sample's scores to its task's classes first. Ties
 * go to the lowest class index.
 */
export function incrementalAccuracy(samples: ScoredSamples): IncrementalAccuracy {
  const { scores, numClasses: c, labels, tasks, taskClasses } = samples;
  const n = labels.length;
  const problems: string[] = [];
  if (!Number.isInteger(c) || c <= 0) problems.push(`numClasses must be a positive integer, got ${c}`);
  if (n === 0) problems.push('there are no samples');
  if (scores.length !== n * c) problems.push(`scores has ${scores.length} values; ${n} samples × ${c} classes need ${n * c}`);
  if (tasks.length !== n) problems.push(`tasks has ${tasks.length} entries for ${n} samples`);
  for (let i = 0; i < n && problems.length < 10; i++) {
    const classes = taskClasses[tasks[i]!];
    if (classes === undefined) problems.push(`sample ${i} has task ${tasks[i]}, which has no class list`);
    else if (!classes.includes(labels[i]!)) problems.push(`sample ${i} has label ${labels[i]}, not a class of its task ${tasks[i]}`);
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);

  let classCorrect = 0;
  let taskCorrect = 0;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    let best = 0;
    for (let k = 1; k < c; k++) if (scores[row + k]! > scores[row + best]!) best = k;
    if (best === labels[i]) classCorrect++;
    let taskBest = -1;
    for (const k of [...taskClasses[tasks[i]!]!].sort((x, y) => x - y)) {
      if (taskBest < 0 || scores[row + k]! > scores[row + taskBest]!) taskBest = k;
    }
    if (taskBest === labels[i]) taskCorrect++;
  }
  return {
    classIncremental: { value: classCorrect / n, definition: 'class-il-accuracy' },
    taskIncremental: { value: taskCorrect / n, definition: 'task-il-accuracy' },
  };
}
