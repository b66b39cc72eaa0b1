import type { Classifier } from '../core/classifier.js';
import { checkReplayBatch, OncePerExperience } from './replay-trainer.js';
import type { MemorySnapshot, ReservoirMemory } from './reservoir-memory.js';
import type { LabelledBatch, LearnStats, PredictOptions, Strategy, StrategyDescription, StrategyState } from '../strategy.js';

/** What a boundary-free reservoir replay strategy (ER, MIR) brings of its own: how it trains on a batch with replay. */
export interface ReservoirReplayParts {
  readonly name: string;
  readonly net: Classifier;
  readonly memory: ReservoirMemory;
  /** The reservoir's capacity in samples (reported by `describe`). */
  readonly capacity: number;
  /** Values per sample. */
  readonly inputSize: number;
  /** One update on `batch` with what it replays from `memory`; returns its loss before the update. */
  readonly step: (batch: LabelledBatch) => Promise<number>;
}

/**
 * The strategy around a reservoir replay step: each valid batch is trained on with replay, then
 * offered to the reservoir (each sample once per experience); the state is the parameters, the
 * reservoir and the once-per-experience record. Boundary-free: the reservoir sees one stream.
 */
export function reservoirReplayStrategy(parts: ReservoirReplayParts): Strategy {
  const { name, net, memory, capacity, inputSize, step } = parts;
  // Multi-epoch runs pass over an experience several times; the reservoir sees each sample once.
  const offered = new OncePerExperience(inputSize);
  return {
    name,
    beginExperience: () => Promise.resolve(),
    endExperience: () => Promise.resolve(),
    learn: async (batch: LabelledBatch): Promise<LearnStats | undefined> => {
      checkReplayBatch(batch, { inputSize, classes: net.classes });
      if (batch.labels.length === 0) return undefined;
      const loss = await step(batch);
      const fresh = offered.fresh(batch);
      if (fresh.labels.length > 0) memory.add(fresh);
      return { loss };
    },
    growClasses: (count: number) => net.growClasses(count),
    classCount: () => net.classes,
    predict: (features: Float32Array, _options?: PredictOptions) => net.predict(features),
    saveState: (): StrategyState => ({ params: net.store.clone(), data: { memory: memory.snapshot(), offered: offered.snapshot() } }),
    restoreState: (state: StrategyState) => {
      // Both snapshots are checked before anything changes; parameters follow.
      const restoreOffered = offered.prepareRestore(state.data['offered']);
      memory.restore(state.data['memory'] as MemorySnapshot);
      restoreOffered();
      net.setStore(state.params.clone());
    },
    describe: (): StrategyDescription => ({ memorySize: memory.size, memoryCapacity: capacity }),
    forget: (ids: Iterable<number>) => memory.delete(ids),
  };
}
