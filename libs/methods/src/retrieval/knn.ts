/**
 * kNN memory: a k-nearest-neighbour classifier over every embedding seen (Cover & Hart 1967,
 * "Nearest Neighbor Pattern Classification", IEEE Trans. Inf. Theory), with neighbours' votes
 * weighted by a softmax over their similarities as in kNN-LM (Khandelwal et al. 2020,
 * "Generalization through Memorization: Nearest Neighbor Language Models", ICLR). On a frozen
 * encoder it learns nothing but the memory, so it cannot forget by interference: a class is lost
 * only when other classes' samples crowd its region of the embedding space.
 *
 * Options (`ctx.options`): `k` neighbours per query (default 10), `temperature` of the vote
 * softmax over cosine similarities (default 0.05), `capacity` most samples held, reservoir-sampled
 * beyond it (default: all). The index is `ctx.indexFactory` (HNSW from the CLI) or exact search.
 */
import { ParameterStore } from '@mneme/execution';
import { argmaxRows, checkFeatures, noClass } from '../core/classifier.js';
import { savedClassCount } from '../core/class-count.js';
import type { KnnMemorySnapshot } from './knn-memory.js';
import { memoryPortOf } from '../replay/memory-port.js';
import type { OptionReader } from '../option-reader.js';
import { defineOptions, integer, number } from '../option-schema.js';
import { checkReplayBatch } from '../replay/replay-trainer.js';
import type { LabelledBatch, PredictOptions, Strategy, StrategyContext, StrategyDescription, StrategyState } from '../strategy.js';

/** kNN's defaults. */
export const KNN_DEFAULTS = Object.freeze({
  /** Neighbours consulted per query. */
  k: 10,
  /** Vote softmax temperature over cosine similarities. */
  temperature: 0.05,
  /** Most samples held (every sample seen). */
  capacity: Number.POSITIVE_INFINITY,
});

/** Offsets the memory's random stream from other streams of the same run seed. */
const MEMORY_SEED_SALT = 0x6b6e6e;

/** The options kNN and kNN + head share (kNN + head spreads them into its own schema). */
export const KNN_OPTION_SPECS = Object.freeze({
  k: integer(KNN_DEFAULTS.k, { min: 1 }, 'neighbours consulted per query'),
  temperature: number(KNN_DEFAULTS.temperature, { min: 0, exclusiveMin: true }, 'vote softmax temperature over cosine similarities'),
  capacity: integer(KNN_DEFAULTS.capacity, { min: 1 }, 'most samples held, reservoir-sampled beyond (Infinity: all)'),
});

/** kNN's options (`--set key=value`). */
export const KNN_OPTIONS = defineOptions('knn', KNN_OPTION_SPECS);

/** Reads the options kNN and kNN + head share; the caller adds its own and calls `done`. */
export function readKnnOptions(read: OptionReader): { k: number; temperature: number; capacity: number } {
  return KNN_OPTIONS.readWith(read);
}

/**
 * Builds a kNN-memory learner.
 *
 * @throws InvalidArgumentError listing every bad or unknown option
 */
export function knn(ctx: StrategyContext): Strategy {
  const { k, temperature, capacity } = KNN_OPTIONS.read(ctx.options);
  let classes = ctx.classifier.classes;
  const memory = memoryPortOf(ctx).knn({
    inputSize: ctx.classifier.inputSize,
    capacity,
    seed: ctx.seed ^ MEMORY_SEED_SALT,
    ...(ctx.indexFactory === undefined ? {} : { indexFactory: ctx.indexFactory }),
  });
  // kNN has no weights: the store's update count records the batches learned, so a checkpoint
  // still says how far the learner got.
  let params = new ParameterStore();

  return {
    name: 'knn',
    beginExperience: () => Promise.resolve(),
    endExperience: () => Promise.resolve(),
    // Async so that bad input rejects the promise rather than throwing at the call.
    learn: async (batch: LabelledBatch) => {
      checkReplayBatch(batch, { inputSize: ctx.classifier.inputSize, classes });
      memory.add(batch);
      params.step++;
      return Promise.resolve();
    },
    growClasses: (count: number) => {
      classes = Math.max(classes, count);
    },
    classCount: () => classes,
    // With classes but an empty memory the votes are all zero and arg-max picks class 0: defined, if useless.
    predict: async (features: Float32Array, _options?: PredictOptions) =>
      Promise.resolve(
        classes === 0
          ? noClass(checkFeatures(features, ctx.classifier.inputSize))
          : argmaxRows(memory.vote(features, { k, temperature, classes }), classes),
      ),
    saveState: (): StrategyState => ({ params: params.clone(), data: { memory: memory.snapshot(), classes } }),
    restoreState: (state: StrategyState) => {
      const saved = savedClassCount(state, ctx.classifier.classes);
      memory.restore(state.data['memory'] as KnnMemorySnapshot);
      params = state.params.clone();
      classes = saved;
    },
    describe: (): StrategyDescription => ({ memorySize: memory.size, memoryCapacity: capacity }),
    forget: (ids: Iterable<number>) => memory.forget(ids),
    // The memory is all it learns: a forgotten sample leaves no trace.
    unlearning: 'exact',
  };
}
