/**
 * kNN + head: a trained classifier head whose class distribution is interpolated with a kNN
 * memory's, p = λ·p_kNN + (1 − λ)·p_head, as kNN-LM interpolates a language model with a
 * nearest-neighbour distribution over its datastore (Khandelwal et al. 2020, "Generalization
 * through Memorization: Nearest Neighbor Language Models", ICLR). The memory doubles as MbPA++'s
 * episodic memory (de Masson d'Autume et al. 2019, "Episodic Memory in Lifelong Language
 * Learning", NeurIPS): the head trains on each incoming batch together with a replay batch drawn
 * from it (their sparse experience replay, here on every batch), and with `local-steps` > 0 each
 * query adapts a copy of the head on its K neighbours for a few SGD steps before predicting (their
 * local adaptation; without the L2 pull back to the base weights, which a few small steps make
 * unnecessary). The stored head is never changed by prediction.
 *
 * Options (`ctx.options`): `lambda` weight of the kNN distribution (default 0.5; 1 is pure kNN,
 * 0 the head alone), `k`, `temperature`, `capacity` as for `knn`, `replay` samples replayed from
 * the memory per incoming batch (default 10; 0 is plain fine-tuning), `local-steps` MbPA++ steps
 * per query (default 0), `local-lr` their SGD learning rate (default 0.1).
 */
import type { ParameterStore, TrainStepRunner } from '@mneme/execution';
import { CLASSIFIER_IO } from '@mneme/models';
import { gatherRows, int64FromInt32, tensor } from '@mneme/tensor';
import { argmaxRows, checkFeatures, Classifier, noClass } from '../core/classifier.js';
import { softmaxRows } from '../curriculum/difficulty.js';
import { KNN_OPTION_SPECS } from './knn.js';
import type { KnnMemory, KnnMemoryBatch, KnnMemorySnapshot } from './knn-memory.js';
import { memoryPortOf } from '../replay/memory-port.js';
import { defineOptions, integer, number } from '../option-schema.js';
import { replayCountOption } from '../replay/replay-options.js';
import { checkReplayBatch, ReplayTrainer } from '../replay/replay-trainer.js';
import type {
  LabelledBatch,
  LearnStats,
  PredictOptions,
  Strategy,
  StrategyContext,
  StrategyDescription,
  StrategyState,
} from '../strategy.js';

/** kNN + head's own defaults (k, temperature and capacity as {@link KNN_DEFAULTS}). */
export const KNN_HEAD_DEFAULTS = Object.freeze({
  /** Weight of the kNN distribution in the mixture. */
  lambda: 0.5,
  /** Memory samples replayed with each incoming batch. */
  replay: 10,
  /** MbPA++ local adaptation steps per query (0: off). */
  localSteps: 0,
  /** SGD learning rate of the local adaptation. */
  localLr: 0.1,
});

/** kNN + head's options (`--set key=value`): kNN's, then its own. */
export const KNN_HEAD_OPTIONS = defineOptions('knn-head', {
  ...KNN_OPTION_SPECS,
  lambda: number(KNN_HEAD_DEFAULTS.lambda, { min: 0, max: 1 }, 'weight of the kNN distribution (1: pure kNN, 0: the head alone)'),
  replay: replayCountOption(KNN_HEAD_DEFAULTS.replay, 'memory samples replayed with each incoming batch (0: plain fine-tuning)'),
  'local-steps': integer(KNN_HEAD_DEFAULTS.localSteps, { min: 0 }, 'MbPA++ local adaptation steps per query (0: off)'),
  'local-lr': number(KNN_HEAD_DEFAULTS.localLr, { min: 0, exclusiveMin: true }, 'SGD learning rate of the local adaptation'),
});

/** Offsets the memory's random stream from the weight initialisation's (same run seed). */
const MEMORY_SEED_SALT = 0x6b6e6e48;

/**
 * Builds a kNN + head learner.
 *
 * @throws InvalidArgumentError listing every bad or unknown option
 */
export function knnHead(ctx: StrategyContext): Strategy {
  const o = KNN_HEAD_OPTIONS.read(ctx.options);
  const { k, temperature, capacity, lambda, replay } = o;
  const localSteps = o['local-steps'];
  const localLr = o['local-lr'];

  const d = ctx.classifier.inputSize;
  const net = new Classifier(ctx.executor, ctx.classifier, ctx.optimizer, ctx.learningRate, ctx.seed);
  const trainer = new ReplayTrainer(ctx.executor, net, ctx.optimizer, ctx.learningRate, d);
  const memory = memoryPortOf(ctx).knn({
    inputSize: d,
    capacity,
    seed: ctx.seed ^ MEMORY_SEED_SALT,
    ...(ctx.indexFactory === undefined ? {} : { indexFactory: ctx.indexFactory }),
  });

  /** The head's distribution per row, each row from a copy of the head adapted on its neighbours. */
  const locallyAdapted = async (features: Float32Array, rows: number): Promise<Float32Array> => {
    const classes = net.classes;
    const context = memory.neighbours(features, k);
    const scratch = net.store.clone();
    const runner: TrainStepRunner = ctx.executor.trainStep({
      model: net.model,
      loss: CLASSIFIER_IO.loss,
      store: scratch,
      optimizer: { kind: 'sgd' },
      lr: localLr,
    });
    const out = new Float32Array(rows * classes);
    let first = 0;
    for (let r = 0; r < rows; r++) {
      const count = context.counts[r]!;
      resetTo(scratch, net.store);
      const x = tensor('float32', [count, d], context.features.slice(first * d, (first + count) * d));
      const y = tensor('int64', [count], int64FromInt32(context.labels.subarray(first, first + count)));
      for (let step = 0; step < localSteps && count > 0; step++) await runner.step({ [CLASSIFIER_IO.input]: x, [CLASSIFIER_IO.labels]: y });
      first += count;
      const query = tensor('float32', [1, d], features.slice(r * d, (r + 1) * d));
      const result = await ctx.executor.forward(
        net.logitsModel,
        { [CLASSIFIER_IO.input]: query },
        { params: scratch, fetches: [CLASSIFIER_IO.logits] },
      );
      out.set(softmaxRows(result[CLASSIFIER_IO.logits]!.data as Float32Array, classes), r * classes);
    }
    return out;
  };

  return {
    name: 'knn-head',
    beginExperience: () => Promise.resolve(),
    endExperience: () => Promise.resolve(),
    learn: async (batch: LabelledBatch): Promise<LearnStats | undefined> => {
      checkReplayBatch(batch, { inputSize: d, classes: net.classes });
      memory.rowNorms(batch.features);
      const kept = withoutForgotten(batch, memory, d);
      const replayed = replay > 0 ? memory.sample(replay) : undefined;
      const trains = kept.labels.length > 0 || (replayed?.labels.length ?? 0) > 0;
      const loss = trains ? await trainer.step(kept, replayed ?? { features: new Float32Array(0), labels: new Int32Array(0) }) : undefined;
      memory.add(kept);
      return loss === undefined ? undefined : { loss };
    },
    growClasses: (count: number) => net.growClasses(count),
    classCount: () => net.classes,
    predict: async (features: Float32Array, _options?: PredictOptions) => {
      const rows = checkFeatures(features, d);
      const classes = net.classes;
      if (classes === 0) return noClass(rows);
      const head =
        localSteps > 0 && memory.size > 0 ? await locallyAdapted(features, rows) : softmaxRows(await net.logits(features), classes);
      const votes = memory.vote(features, { k, temperature, classes });
      const mixed = new Float32Array(rows * classes);
      for (let i = 0; i < mixed.length; i++) mixed[i] = lambda * votes[i]! + (1 - lambda) * head[i]!;
      return argmaxRows(mixed, classes);
    },
    saveState: (): StrategyState => ({ params: net.store.clone(), data: { memory: memory.snapshot() } }),
    restoreState: (state: StrategyState) => {
      memory.restore(state.data['memory'] as KnnMemorySnapshot);
      net.setStore(state.params.clone());
    },
    describe: (): StrategyDescription => ({ memorySize: memory.size, memoryCapacity: capacity }),
    forget: (ids: Iterable<number>) => memory.forget(ids),
  };
}

/** The batch without the samples forgotten on request (they are neither trained on nor stored). */
function withoutForgotten(batch: LabelledBatch, memory: KnnMemory, d: number): KnnMemoryBatch {
  const keep = [...batch.ids.keys()].filter((i) => !memory.isForgotten(batch.ids[i]!));
  if (keep.length === batch.ids.length) return batch;
  return {
    features: gatherRows(batch.features, d, keep),
    labels: Int32Array.from(keep, (i) => batch.labels[i]!),
    ids: Int32Array.from(keep, (i) => batch.ids[i]!),
  };
}

/** Sets every parameter of `target` to a copy of `source`'s and restarts its update count. */
function resetTo(target: ParameterStore, source: ParameterStore): void {
  for (const name of source.names()) {
    const t = source.get(name);
    target.set(name, tensor('float32', t.shape, Float32Array.from(t.data)));
  }
  target.step = 0;
}
