/**
 * Joint training: keeps every sample seen and, at the end of each experience, retrains the model
 * from its initialisation on all of them, shuffled, for `epochs` passes — the i.i.d. upper bound
 * that continual methods are measured against (the "iid" reference of Lopez-Paz & Ranzato 2017
 * and Aljundi et al. 2019). With one epoch on an online benchmark it is the "iid one pass" reference.
 */
import { Rng } from '@mneme/random';
import { checkBatch, Classifier } from './classifier.js';
import type { ExperienceInfo, LabelledBatch, Strategy, StrategyContext, StrategyState } from './strategy.js';

export function joint(ctx: StrategyContext): Strategy {
  const net = new Classifier(ctx.executor, ctx.classifier, ctx.optimizer, ctx.learningRate, ctx.seed);
  const d = ctx.classifier.inputSize;
  let features: Float32Array[] = [];
  let labels: number[] = [];
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
    },
    endExperience: async (_info: ExperienceInfo) => {
      await retrain();
    },
    growClasses: (count: number) => net.growClasses(count),
    classCount: () => net.classes,
    predict: (x: Float32Array) => net.predict(x),
    saveState: (): StrategyState => ({
      params: net.store.clone(),
      data: { features: features.map((f) => Array.from(f)), labels: [...labels], rng: rng.state() },
    }),
    restoreState: (state: StrategyState) => {
      net.setStore(state.params.clone());
      features = (state.data['features'] as number[][]).map((f) => Float32Array.from(f));
      labels = [...(state.data['labels'] as number[])];
      rng = Rng.fromState(state.data['rng'] as number[]);
    },
  };
}
