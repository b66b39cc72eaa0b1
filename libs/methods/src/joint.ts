/**
 * Joint training: keeps every sample seen and, at the end of each experience, retrains the model
 * from its initialisation on all of them, shuffled, for `epochs` passes — the i.i.d. upper bound
 * that continual methods are measured against (the "iid" reference of Lopez-Paz & Ranzato 2017
 * and Aljundi et al. 2019). With one epoch on an online benchmark it is the "iid one pass" reference.
 */
import { Rng } from '@mneme/random';
import { checkBatch, Classifier } from './classifier.js';
import { defineOptions } from './option-schema.js';
import type { ExperienceInfo, LabelledBatch, Strategy, StrategyContext, StrategyState } from './strategy.js';

/** Joint takes no options. */
export const JOINT_OPTIONS = defineOptions('joint', {});

export function joint(ctx: StrategyContext): Strategy {
  // Joint takes no options: any given one is a mistake, refused rather than ignored.
  JOINT_OPTIONS.read(ctx.options);
  const net = new Classifier(ctx.executor, ctx.classifier, ctx.optimizer, ctx.learningRate, ctx.seed);
  const d = ctx.classifier.inputSize;
  let features: Float32Array[] = [];
  let labels: number[] = [];
  let ids: number[] = [];
  let rng = Rng.seeded(ctx.seed ^ 0x5eed);

  const retrain = async () => {
    net.reset();
    const all = new Float32Array(features.reduce((n, f) => n + f.length, 0));
    let offset = 0;
    for (const f of features) {
      all.set(f, offset);
      offset += f.length;
    }
    for (let epoch = 0; epoch < ctx.epochs; epoch++) {
      const order = rng.shuffle([...labels.keys()]);
      for (let start = 0; start < order.length; start += ctx.batchSize) {
        const rows = order.slice(start, start + ctx.batchSize);
        const x = new Float32Array(rows.length * d);
        rows.forEach((r, i) => x.set(all.subarray(r * d, (r + 1) * d), i * d));
        await net.train(x, Int32Array.from(rows, (r) => labels[r]!));
      }
    }
  };

  return {
    name: 'joint',
    beginExperience: () => Promise.resolve(),
    // Joint defers all training to the experience's end, on everything seen so far.
    learn: async (batch: LabelledBatch) => {
      checkBatch(batch.features, batch.labels, { inputSize: d, classes: net.classes });
      features.push(batch.features.slice());
      labels.push(...batch.labels);
      ids.push(...batch.ids);
    },
    // Every version is retrained from its initialisation on the data kept: the next one never saw them.
    forget: (forgotten: Iterable<number>) => {
      const doomed = new Set(forgotten);
      const keep = ids.flatMap((id, r) => (doomed.has(id) ? [] : [r]));
      const removed = ids.length - keep.length;
      if (removed === 0) return 0;
      const all = new Float32Array(features.reduce((n, f) => n + f.length, 0));
      let offset = 0;
      for (const f of features) {
        all.set(f, offset);
        offset += f.length;
      }
      const kept = new Float32Array(keep.length * d);
      keep.forEach((r, i) => kept.set(all.subarray(r * d, (r + 1) * d), i * d));
      features = [kept];
      labels = keep.map((r) => labels[r]!);
      ids = keep.map((r) => ids[r]!);
      return removed;
    },
    unlearning: 'retrained',
    endExperience: async (_info: ExperienceInfo) => {
      await retrain();
    },
    growClasses: (count: number) => net.growClasses(count),
    classCount: () => net.classes,
    predict: (x: Float32Array) => net.predict(x),
    saveState: (): StrategyState => ({
      params: net.store.clone(),
      data: { features: features.map((f) => Array.from(f)), labels: [...labels], ids: [...ids], rng: rng.state() },
    }),
    restoreState: (state: StrategyState) => {
      net.setStore(state.params.clone());
      features = (state.data['features'] as number[][]).map((f) => Float32Array.from(f));
      labels = [...(state.data['labels'] as number[])];
      ids = [...((state.data['ids'] as number[] | undefined) ?? labels.map(() => -1))];
      rng = Rng.fromState(state.data['rng'] as number[]);
    },
  };
}
