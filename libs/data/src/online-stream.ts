import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import type { Batch, DataPart } from './data-part.js';
import type { Scenario, ScenarioKind } from './scenario.js';

/** Options of {@link onlineStream} and {@link scenarioStream}. */
export interface StreamOptions {
  /** Samples per incoming batch (b); the last batch of an experience may be smaller. */
  readonly batchSize: number;
  /** Drop an experience's last batch when it has fewer than `batchSize` samples. @default false */
  readonly dropLast?: boolean;
}

/** One incoming batch of a scenario stream and the experience it belongs to. */
export interface StreamItem<X> {
  /** Index of the experience the batch comes from (its boundary is known to boundary-aware learners). */
  readonly experience: number;
  /** The task id, in task-incremental scenarios only. */
  readonly taskId?: number;
  readonly batch: Batch<X>;
}

/** A stream that can be iterated once only, as data arriving online would be. */
export interface SinglePassStream<T> extends Iterable<T> {
  /** How many items the stream yields. */
  readonly length: number;
}

/**
 * The samples of `part` in batches of `batchSize`, in the part's order (training parts come in a
 * seeded order, so the stream is deterministic per scenario seed), one pass only: iterating it a
 * second time throws.
 */
export function onlineStream<X>(part: DataPart<X>, options: StreamOptions): SinglePassStream<Batch<X>> {
  const ranges = batchRanges(part.size, options);
  return singlePass(ranges.length, function* () {
    for (const [start, end] of ranges) yield part.batch(positions(start, end));
  });
}

/**
 * Every experience's training samples in order, experience after experience, in batches of
 * `batchSize`, one pass only; each item names its experience (and its task id when the scenario is
 * task-incremental). The Aljundi et al. (2019) online setting: `batchSize: 10`, one pass.
 */
export function scenarioStream<X, K extends ScenarioKind>(
  scenario: Scenario<X, K>,
  options: StreamOptions,
): SinglePassStream<StreamItem<X>> {
  const plan = scenario.experiences.map((experience) => ({ experience, ranges: batchRanges(experience.train.size, options) }));
  const length = plan.reduce((sum, { ranges }) => sum + ranges.length, 0);
  return singlePass(length, function* () {
    for (const { experience, ranges } of plan) {
      const train = experience.train;
      for (const [start, end] of ranges) {
        const batch = train.batch(positions(start, end));
        yield train.taskId === undefined
          ? { experience: experience.index, batch }
          : { experience: experience.index, taskId: train.taskId, batch };
      }
    }
  });
}

function batchRanges(size: number, options: StreamOptions): [number, number][] {
  const b = options.batchSize;
  if (!Number.isInteger(b) || b <= 0) throw new InvalidArgumentError(`batchSize must be a positive integer, got ${b}`);
  const ranges: [number, number][] = [];
  for (let start = 0; start < size; start += b) {
    const end = Math.min(size, start + b);
    if (end - start < b && options.dropLast === true) break;
    ranges.push([start, end]);
  }
  return ranges;
}

function positions(start: number, end: number): Int32Array {
  return Int32Array.from({ length: end - start }, (_, k) => start + k);
}

function singlePass<T>(length: number, generate: () => Iterator<T>): SinglePassStream<T> {
  let used = false;
  return {
    length,
    [Symbol.iterator](): Iterator<T> {
      if (used)
        throw new MnemeError(
          'failed-precondition',
          'this stream was already iterated: online streams are single-pass; build a new one to replay',
        );
      used = true;
      return generate();
    },
  };
}
