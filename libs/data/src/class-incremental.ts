import { InvalidArgumentError } from '@mneme/errors';
import { Rng } from '@mneme/random';
import { type ClassGroupOptions, classGroups } from './class-groups.js';
import type { Dataset } from './dataset.js';
import { checkSeed, checkSizes, type ExperienceSizes, experienceParts } from './experience-parts.js';
import { assembleScenario, type Experience, type Scenario } from './scenario.js';

/** Options of {@link classIncremental} and {@link taskIncremental}. */
export interface ClassSplitOptions extends ClassGroupOptions, ExperienceSizes {
  /** Seed of every random choice (class order when not given, sample draws, training order). */
  readonly seed: number;
}

/**
 * Class-incremental scenario: the classes are split into experiences, each experience holds the
 * samples of its classes, and the learner must tell all classes seen so far apart with a single
 * head. Evaluation views carry no task id. Labels are indices into the data set's classes.
 *
 * Split-MNIST (Aljundi et al. 2019 online setting): `classIncremental(mnist, { seed,
 * experiences: 5, classOrder: MNIST_CLASS_NAMES, trainPerExperience: 1000 })` on a data set split
 * with `holdoutSplit(labels, { test: 2000, seed })`.
 */
export function classIncremental<X>(dataset: Dataset<X>, options: ClassSplitOptions): Scenario<X, 'class-incremental'> {
  const { seed, groups, rng } = prepare(dataset, options);
  const problems: string[] = [];
  const experiences = groups.map((classes, index): Experience<X, 'class-incremental'> => {
    const parts = experienceParts(dataset, index, classes, options, rng.fork(), problems);
    return Object.freeze({ index, classes: Object.freeze(classes), ...parts });
  });
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return assembleScenario('class-incremental', dataset, seed, experiences);
}

/**
 * Task-incremental scenario: the same experiences as {@link classIncremental} with the same options
 * and seed, but every view, for training and for evaluation, carries `taskId` = the experience
 * index, so a learner may restrict its prediction to that task's classes.
 */
export function taskIncremental<X>(dataset: Dataset<X>, options: ClassSplitOptions): Scenario<X, 'task-incremental'> {
  const { seed, groups, rng } = prepare(dataset, options);
  const problems: string[] = [];
  const experiences = groups.map((classes, index): Experience<X, 'task-incremental'> => {
    const parts = experienceParts(dataset, index, classes, options, rng.fork(), problems);
    return Object.freeze({
      index,
      classes: Object.freeze(classes),
      train: Object.freeze({ ...parts.train, taskId: index }),
      validation: Object.freeze({ ...parts.validation, taskId: index }),
      test: Object.freeze({ ...parts.test, taskId: index }),
    });
  });
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return assembleScenario('task-incremental', dataset, seed, experiences);
}

function prepare<X>(dataset: Dataset<X>, options: ClassSplitOptions): { seed: number; groups: number[][]; rng: Rng } {
  checkSizes(options);
  checkSeed(options.seed);
  const rng = Rng.seeded(options.seed);
  const groups = classGroups(dataset.classes, options, rng.fork());
  return { seed: options.seed, groups, rng };
}
