/**
 * Joint training: keeps every sample seen and, at the end of each experience, retrains the model
 * from its initialisation on all of them — the i.i.d. upper bound that continual methods are
 * measured against (the "iid" reference of Lopez-Paz & Ranzato 2017 and Aljundi et al. 2019).
 *
 * `solver=lbfgs` (the default for a linear head: frozen-feature benchmarks) trains to convergence:
 * full-batch L-BFGS on cross-entropy + (l2/2)·‖W‖², with l2 chosen on a seeded, stratified held-out
 * slice of the data seen (`holdout`, default 0.1) unless `l2` fixes it; see full-batch.ts.
 * `solver=sgd` (the default with hidden layers) shuffles minibatches for `epochs` passes with the
 * run's optimizer; with one epoch on an online benchmark it is the "iid one pass" reference.
 */
import { InvalidArgumentError } from '@mneme/errors';
import { Rng } from '@mneme/random';
import { gatherRows } from '@mneme/tensor';
import { checkBatch, Classifier } from '../core/classifier.js';
import { chooseL2, fitLbfgs, selectRows, stratifiedHoldout, type Rows } from './full-batch.js';
import { choice, defineOptions, integer, number } from '../option-schema.js';
import type { ExperienceInfo, LabelledBatch, Strategy, StrategyContext, StrategyDescription, StrategyState } from '../strategy.js';

/** Salt of the held-out slice's hash, so it differs from the other seeded streams. */
const HOLDOUT_SALT = 0x401d0;

/** Joint's options (`--set key=value`). */
export const JOINT_OPTIONS = defineOptions('joint', {
  solver: choice(
    ['lbfgs', 'sgd'] as const,
    {
      text: 'lbfgs for a linear head, sgd with hidden layers',
      of: (ctx) => ((ctx.classifier?.hidden.length ?? 0) === 0 ? 'lbfgs' : 'sgd'),
    },
    'each retrain: full-batch L-BFGS to convergence, or minibatch passes (`epochs`) with the run optimizer',
  ),
  l2: number(
    { text: 'chosen on the held-out slice', of: () => Number.NaN },
    { min: 0 },
    'L2 strength of the lbfgs fit (weights only); given, it skips the search',
  ),
  holdout: number(0.1, { min: 0, max: 0.5, exclusiveMin: true }, 'fraction of the data seen held out (stratified, seeded) to choose l2'),
  'max-iter': integer(500, { min: 1 }, 'most L-BFGS iterations per fit'),
  // sklearn's default `tol` on the same (mean-loss) objective.
  tol: number(1e-4, { min: 0 }, 'L-BFGS stops when the largest absolute gradient entry is at most this'),
});

export function joint(ctx: StrategyContext): Strategy {
  const options = JOINT_OPTIONS.read(ctx.options, ctx);
  const solver = options.solver;
  const fixedL2 = Number.isNaN(options.l2) ? undefined : options.l2;
  const holdout = options.holdout;
  const maxIterations = options['max-iter'];
  const gradientTolerance = options.tol;
  if (solver === 'sgd' && Object.keys(ctx.options).some((k) => ['l2', 'holdout', 'max-iter', 'tol'].includes(k))) {
    throw new InvalidArgumentError('joint: options l2, holdout, max-iter and tol apply to solver=lbfgs only');
  }
  const net = new Classifier(ctx.executor, ctx.classifier, ctx.optimizer, ctx.learningRate, ctx.seed);
  const d = ctx.classifier.inputSize;
  let features: Float32Array[] = [];
  let labels: number[] = [];
  let ids: number[] = [];
  let rng = Rng.seeded(ctx.seed ^ 0x5eed);
  let choices: Record<string, number | string> = { solver };

  const concatenated = (): Float32Array => {
    const all = new Float32Array(features.reduce((n, f) => n + f.length, 0));
    let offset = 0;
    for (const f of features) {
      all.set(f, offset);
      offset += f.length;
    }
    return all;
  };

  const retrainLbfgs = async () => {
    net.reset();
    // Nothing seen yet (or no class): the initialisation, as the minibatch path leaves it.
    if (labels.length === 0 || net.classes === 0) return;
    const rows: Rows = { features: concatenated(), labels: Int32Array.from(labels) };
    const options = { maxIterations, gradientTolerance };
    const held = stratifiedHoldout(labels, ids, holdout, ctx.seed ^ HOLDOUT_SALT);
    let l2 = fixedL2;
    let heldOutAccuracy: number | undefined;
    if (l2 === undefined && held.includes(true)) {
      const choice = await chooseL2(net, ctx.executor, selectRows(rows, held, d, true), selectRows(rows, held, d), options);
      l2 = choice.perRow / labels.length;
      heldOutAccuracy = Math.max(...choice.accuracies);
    }
    // Too few rows to hold any out: the middle of the grid (C = 10 in sklearn's terms).
    l2 ??= 0.1 / labels.length;
    const fit = await fitLbfgs(net, ctx.executor, rows, l2, options);
    choices = {
      solver,
      l2,
      l2PerRow: l2 * labels.length,
      iterations: fit.iterations,
      stop: fit.stop,
      ...(heldOutAccuracy === undefined ? {} : { heldOutAccuracy }),
    };
  };

  const retrain = async () => {
    if (solver === 'lbfgs') return retrainLbfgs();
    net.reset();
    const all = concatenated();
    for (let epoch = 0; epoch < ctx.epochs; epoch++) {
      const order = rng.shuffle([...labels.keys()]);
      for (let start = 0; start < order.length; start += ctx.batchSize) {
        const rows = order.slice(start, start + ctx.batchSize);
        const x = gatherRows(all, d, rows);
        await net.train(
          x,
          Int32Array.from(rows, (r) => labels[r]!),
        );
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
      const all = concatenated();
      features = [gatherRows(all, d, keep)];
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
    // Every sample seen is kept (for the retrains): a memory without a capacity.
    describe: (): StrategyDescription => ({ memorySize: labels.length, choices: { ...choices } }),
    saveState: (): StrategyState => ({
      params: net.store.clone(),
      data: { features: features.map((f) => Array.from(f)), labels: [...labels], ids: [...ids], rng: rng.state(), choices: { ...choices } },
    }),
    restoreState: (state: StrategyState) => {
      net.setStore(state.params.clone());
      features = (state.data['features'] as number[][]).map((f) => Float32Array.from(f));
      labels = [...(state.data['labels'] as number[])];
      ids = [...((state.data['ids'] as number[] | undefined) ?? labels.map(() => -1))];
      rng = Rng.fromState(state.data['rng'] as number[]);
      choices = { ...((state.data['choices'] as Record<string, number | string> | undefined) ?? { solver }) };
    },
  };
}
