/** Joint's full-batch L-BFGS path (solver=lbfgs) and its held-out choice of the L2 strength, on the real engine. */
import { createExecutor, Engine } from '@mneme/engine';
import type { Executor, ParameterStore } from '@mneme/execution';
import { CLASSIFIER_IO } from '@mneme/models';
import { Rng } from '@mneme/random';
import { beforeAll, describe, expect, it } from 'vitest';
import { Classifier } from '../core/classifier.js';
import { L2_GRID_PER_ROW, stratifiedHoldout } from './full-batch.js';
import { joint } from './joint.js';
import type { Strategy, StrategyContext } from '../strategy.js';

const INPUT = 6;
const CLASSES = 4;
const PER_CLASS = 30;

/** 4 well-separated Gaussian blobs, two experiences of two classes; test rows drawn apart. */
function problem() {
  const rng = Rng.seeded(3);
  const centres = Array.from({ length: CLASSES }, () => Array.from({ length: INPUT }, () => rng.normal(0, 3)));
  const draw = (labels: number[]) => Float32Array.from(labels.flatMap((l) => centres[l]!.map((c) => c + rng.normal(0, 1))));
  let id = 0;
  const experiences = [0, 1].map((e) => {
    const labels = rng.shuffle([2 * e, 2 * e + 1].flatMap((c) => new Array<number>(PER_CLASS).fill(c)));
    return { classes: [2 * e, 2 * e + 1], labels, features: draw(labels), ids: labels.map(() => id++) };
  });
  const testLabels = Array.from({ length: 40 }, (_, i) => i % CLASSES);
  return { experiences, test: { features: draw(testLabels), labels: testLabels } };
}

let executor: Executor;
const data = problem();

beforeAll(async () => {
  executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
});

function build(options: Record<string, string>, exec: Executor = executor, hidden: number[] = []): Strategy {
  const ctx: StrategyContext = {
    executor: exec,
    classifier: { inputSize: INPUT, hidden, classes: 0 },
    optimizer: { kind: 'sgd' },
    learningRate: 0.05,
    batchSize: 10,
    epochs: 1,
    seed: 11,
    options,
  };
  return joint(ctx);
}

/** Plays both experiences; `between` runs after each experience end (e.g. an evaluation). */
async function play(s: Strategy, between?: () => Promise<unknown>): Promise<void> {
  for (const [index, e] of data.experiences.entries()) {
    s.growClasses(Math.max(...e.classes) + 1);
    await s.beginExperience({ index, classes: e.classes });
    for (let start = 0; start < e.labels.length; start += 10) {
      await s.learn({
        features: e.features.slice(start * INPUT, (start + 10) * INPUT),
        labels: Int32Array.from(e.labels.slice(start, start + 10)),
        ids: Int32Array.from(e.ids.slice(start, start + 10)),
        experience: index,
      });
    }
    await s.endExperience({ index, classes: e.classes });
    await between?.();
  }
}

/** Mean cross-entropy of a linear head's parameters over every training row. */
async function trainingLoss(params: ParameterStore): Promise<number> {
  const net = new Classifier(executor, { inputSize: INPUT, hidden: [], classes: 0 }, { kind: 'sgd' }, 0.1, 11);
  net.setStore(params);
  const features = new Float32Array(data.experiences.flatMap((e) => Array.from(e.features)));
  const labels = data.experiences.flatMap((e) => e.labels);
  const logits = await net.logits(features);
  let loss = 0;
  labels.forEach((l, r) => {
    const z = Array.from(logits.subarray(r * CLASSES, (r + 1) * CLASSES));
    const m = Math.max(...z);
    loss += Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) + m - z[l]!;
  });
  return loss / labels.length;
}

/** Counts gradient calls and the row counts they were fed. */
function counting(): { executor: Executor; rows: number[] } {
  const rows: number[] = [];
  return {
    rows,
    executor: {
      ...executor,
      device: executor.device,
      lossAndGradients: (model, feeds, request) => {
        rows.push(feeds[CLASSIFIER_IO.labels]!.shape[0]!);
        return executor.lossAndGradients(model, feeds, request);
      },
    },
  };
}

describe('joint, solver=lbfgs', () => {
  it('is the default for a linear head; sgd stays the default with hidden layers', () => {
    expect(build({}).describe!().choices).toEqual({ solver: 'lbfgs' });
    expect(build({}, executor, [8]).describe!().choices).toEqual({ solver: 'sgd' });
    expect(() => build({ solver: 'sgd', l2: '0.1' })).toThrow(/apply to solver=lbfgs only/);
    expect(() => build({ holdout: '0.9' })).toThrow(/holdout/);
    expect(() => build({ solver: 'adam' })).toThrow(/solver must be one of lbfgs, sgd/);
  });

  it('ends an experience that brought no data at its initialisation, as the minibatch path does', async () => {
    const s = build({});
    s.growClasses(2);
    const before = Array.from(s.saveState().params.get('fc0.weight').data);
    await s.endExperience({ index: 0, classes: [0, 1] });
    expect(Array.from(s.saveState().params.get('fc0.weight').data)).toEqual(before);
    await build({}).endExperience({ index: 0, classes: [] });
  });

  it('reaches a lower training loss than the minibatch path', async () => {
    const lbfgs = build({ l2: '0' });
    const sgd = build({ solver: 'sgd' });
    await play(lbfgs);
    await play(sgd);
    const [a, b] = [await trainingLoss(lbfgs.saveState().params), await trainingLoss(sgd.saveState().params)];
    expect(a).toBeLessThan(b);
    expect(a).toBeLessThan(0.05);
    const predicted = await lbfgs.predict(data.test.features);
    expect(data.test.labels.filter((l, i) => predicted[i] === l).length).toBeGreaterThanOrEqual(38);
  }, 60_000);

  it('chooses l2 on held-out training rows, deterministically, and reports it', async () => {
    const a = counting();
    const b = build({});
    const s = build({}, a.executor);
    await play(s);
    await play(b);
    const choices = s.describe!().choices!;
    expect(choices['solver']).toBe('lbfgs');
    expect(L2_GRID_PER_ROW.map((c) => c / (CLASSES * PER_CLASS))).toContain(choices['l2']);
    expect(choices['heldOutAccuracy']).toBeGreaterThan(0.9);
    expect(b.describe!()).toEqual(s.describe!());
    expect(Array.from(b.saveState().params.get('fc0.weight').data)).toEqual(Array.from(s.saveState().params.get('fc0.weight').data));
    // Grid fits on the 90 % kept for fitting (54 rows, then 108), then the refit on everything (60, then 120).
    expect(new Set(a.rows)).toEqual(new Set([54, 60, 108, 120]));
  }, 120_000);

  it('with l2 fixed, fits once on everything seen and skips the search', async () => {
    const a = counting();
    const s = build({ l2: '0.01' }, a.executor);
    await play(s);
    expect(s.describe!().choices).toMatchObject({ solver: 'lbfgs', l2: 0.01 });
    expect(s.describe!().choices!['heldOutAccuracy']).toBeUndefined();
    expect(new Set(a.rows)).toEqual(new Set([60, 120]));
  }, 60_000);

  it('never looks at evaluation data: predicting between experiences changes nothing it learns', async () => {
    const quiet = build({});
    const probed = build({});
    await play(quiet);
    await play(probed, () => probed.predict(data.test.features));
    expect(probed.describe!()).toEqual(quiet.describe!());
    expect(Array.from(probed.saveState().params.get('fc0.weight').data)).toEqual(
      Array.from(quiet.saveState().params.get('fc0.weight').data),
    );
    // The choice survives save and restore.
    const restored = build({});
    restored.restoreState(quiet.saveState());
    expect(restored.describe!()).toEqual(quiet.describe!());
  }, 120_000);
});

describe('stratifiedHoldout', () => {
  it('holds out the same share of every class, by id and seed, whatever the row order', () => {
    const labels = [...new Array<number>(40).fill(0), ...new Array<number>(20).fill(1), 2];
    const ids = labels.map((_, i) => 1000 + i);
    const held = stratifiedHoldout(labels, ids, 0.1, 5);
    expect(held.filter((h, r) => h && labels[r] === 0).length).toBe(4);
    expect(held.filter((h, r) => h && labels[r] === 1).length).toBe(2);
    // A class's only row is never held out.
    expect(held[60]).toBe(false);
    expect(stratifiedHoldout(labels, ids, 0.1, 5)).toEqual(held);
    expect(stratifiedHoldout(labels, ids, 0.1, 6)).not.toEqual(held);
    const order = [...labels.keys()].reverse();
    const reordered = stratifiedHoldout(
      order.map((r) => labels[r]!),
      order.map((r) => ids[r]!),
      0.1,
      5,
    );
    expect(
      order
        .map((r, i) => (reordered[i] ? ids[r]! : -1))
        .filter((id) => id >= 0)
        .sort(),
    ).toEqual(ids.filter((_, r) => held[r]).sort());
  });
});
