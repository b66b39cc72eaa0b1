import { createExecutor, Engine } from '@mneme/engine';
import type { Executor } from '@mneme/execution';
import { Rng } from '@mneme/random';
import { InvalidArgumentError } from '@mneme/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { relativeGap } from './numeric.test-util.js';
import { choleskyInPlace, lowerInverse } from './dense-solve.js';
import { fromBase64 } from './gram-statistics.js';
import { ranpac, ranpacProjection } from './ranpac.js';
import type { LabelledBatch, Strategy, StrategyContext } from '../strategy.js';

const D = 8;
const CLASSES = 6;
const SEED = 11;
const M = 48;

/** 3 experiences × 2 classes of Gaussian blobs in batches of 10, and a test set. */
function stream(): { batches: LabelledBatch[]; test: Float32Array; testLabels: number[] } {
  const rng = Rng.seeded(3);
  const centres = Array.from({ length: CLASSES }, () => Array.from({ length: D }, () => rng.normal(0, 1.5)));
  const draw = (label: number) => centres[label]!.map((c) => c + rng.normal(0, 1));
  const batches: LabelledBatch[] = [];
  let id = 0;
  for (let e = 0; e < 3; e++) {
    const labels = rng.shuffle([2 * e, 2 * e + 1].flatMap((c) => new Array<number>(25).fill(c)));
    for (let start = 0; start < labels.length; start += 10) {
      const rows = labels.slice(start, start + 10);
      batches.push({
        features: Float32Array.from(rows.flatMap(draw)),
        labels: Int32Array.from(rows),
        ids: Int32Array.from(rows, () => id++),
        experience: e,
      });
    }
  }
  const testLabels = Array.from({ length: 60 }, (_, i) => i % CLASSES);
  return { batches, test: Float32Array.from(testLabels.flatMap(draw)), testLabels };
}

/** Joint ridge in float64, straight from the rows: W = (HᵀH + λI)⁻¹HᵀY with H = [√(d/2)·X, max(0, X·R)]. */
function jointRidge(batches: readonly LabelledBatch[], lambda: number, projection: number): Float64Array {
  const r = projection === 0 ? undefined : ranpacProjection(D, projection, SEED);
  const width = projection === 0 ? D : D + projection;
  const g = new Float64Array(width * width);
  const q = new Float64Array(width * CLASSES);
  for (const batch of batches) {
    for (let row = 0; row < batch.labels.length; row++) {
      const x = batch.features.subarray(row * D, (row + 1) * D);
      const h = new Float64Array(width);
      for (let j = 0; j < D; j++) h[j] = r === undefined ? x[j]! : Math.fround(x[j]! * Math.fround(Math.sqrt(D / 2)));
      for (let j = 0; r !== undefined && j < projection; j++) {
        let s = 0;
        for (let k = 0; k < D; k++) s += x[k]! * r[k * projection + j]!;
        h[D + j] = Math.max(0, s);
      }
      for (let i = 0; i < width; i++) {
        for (let j = 0; j < width; j++) g[i * width + j]! += h[i]! * h[j]!;
        q[i * CLASSES + batch.labels[row]!]! += h[i]!;
      }
    }
  }
  for (let i = 0; i < width; i++) g[i * width + i]! += lambda;
  choleskyInPlace(g, width);
  const t = lowerInverse(g, width);
  const u = new Float64Array(width * CLASSES);
  for (let i = 0; i < width; i++)
    for (let k = 0; k <= i; k++) for (let c = 0; c < CLASSES; c++) u[i * CLASSES + c]! += t[i * width + k]! * q[k * CLASSES + c]!;
  const w = new Float64Array(width * CLASSES);
  for (let i = 0; i < width; i++)
    for (let k = i; k < width; k++) for (let c = 0; c < CLASSES; c++) w[i * CLASSES + c]! += t[k * width + i]! * u[k * CLASSES + c]!;
  return w;
}

/** The head the strategy solved (saved with its state). */
function solvedWeights(s: Strategy): { weights: Float32Array; lambda: number } {
  const solution = s.saveState().data['solution'] as { weights: string; lambda: number };
  return { weights: fromBase64(solution.weights, Float32Array), lambda: solution.lambda };
}

describe('ranpac', () => {
  let executor: Executor;
  const data = stream();
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
  });

  const build = (options: Record<string, string>): Strategy => {
    const ctx: StrategyContext = {
      executor,
      classifier: { inputSize: D, hidden: [], classes: 0 },
      optimizer: { kind: 'sgd' },
      learningRate: 0.1,
      batchSize: 10,
      epochs: 1,
      seed: SEED,
      options,
    };
    return ranpac(ctx);
  };

  const learnAll = async (s: Strategy, batches: readonly LabelledBatch[]) => {
    for (const batch of batches) {
      s.growClasses(Math.max(...batch.labels) + 1);
      await s.learn(batch);
    }
    await s.endExperience({ index: 2, classes: [] });
  };

  for (const projection of [0, M]) {
    it(`after the last experience equals joint ridge on everything seen (projection ${projection}, small fold blocks)`, async () => {
      const s = build({ projection: String(projection), lambda: '0.5', fold: '16' });
      await learnAll(s, data.batches);
      const { weights, lambda } = solvedWeights(s);
      expect(lambda).toBe(0.5);
      const reference = jointRidge(data.batches, 0.5, projection);
      // Plain ridge sees the rows themselves: float64 agreement. With a projection, ONNX Runtime
      // computes h in float32 where the reference sums in float64, so they agree to float32 precision.
      expect(relativeGap(weights, reference)).toBeLessThan(projection === 0 ? 1e-6 : 2e-5);
      const predicted = await s.predict(data.test);
      const accuracy = data.testLabels.filter((l, i) => predicted[i] === l).length / data.testLabels.length;
      expect(accuracy).toBeGreaterThan(0.8);
    });
  }

  it('counts each sample once: a second pass over the stream changes nothing', async () => {
    const once = build({ projection: String(M), lambda: '0.5', fold: '16' });
    await learnAll(once, data.batches);
    const twice = build({ projection: String(M), lambda: '0.5', fold: '16' });
    await learnAll(twice, [...data.batches, ...data.batches]);
    expect(twice.describe!().choices!['samples']).toBe(150);
    expect(solvedWeights(twice).weights).toEqual(solvedWeights(once).weights);
  });

  it('forgets exactly: after a deletion its head equals ridge on the stream without those samples', async () => {
    const s = build({ projection: String(M), lambda: '0.5', fold: '16' });
    await learnAll(s, data.batches);
    const doomed = data.batches.flatMap((b) => [...b.ids]).filter((id) => id % 4 === 1);
    expect(s.forget!(doomed)).toBe(doomed.length);
    expect(s.forget!(doomed)).toBe(0);
    const survivors = data.batches.map((b) => {
      const keep = [...b.ids.keys()].filter((i) => !doomed.includes(b.ids[i]!));
      return {
        ...b,
        features: Float32Array.from(keep.flatMap((i) => [...b.features.subarray(i * D, (i + 1) * D)])),
        labels: Int32Array.from(keep, (i) => b.labels[i]!),
        ids: Int32Array.from(keep, (i) => b.ids[i]!),
      };
    });
    await s.endExperience({ index: 2, classes: [] });
    const after = solvedWeights(s).weights;
    expect(relativeGap(after, jointRidge(survivors, 0.5, M))).toBeLessThan(2e-5);
    // And it equals a learner that never saw them: the statistics differ by float64 rounding only.
    const fresh = build({ projection: String(M), lambda: '0.5', fold: '16' });
    await learnAll(fresh, survivors);
    expect(relativeGap(after, solvedWeights(fresh).weights)).toBeLessThan(1e-9);
    // A deletion pending in a saved state is carried over and applied by the restored learner.
    const t = build({ projection: String(M), lambda: '0.5', fold: '16' });
    await learnAll(t, data.batches);
    t.forget!(doomed);
    const restored = build({ projection: String(M), lambda: '0.5', fold: '16' });
    restored.restoreState({
      params: t.saveState().params,
      data: JSON.parse(JSON.stringify(t.saveState().data)) as Record<string, unknown>,
    });
    expect(await restored.predict(data.test)).toEqual(await fresh.predict(data.test));
  });

  it('chooses λ by generalised cross-validation on the statistics, deterministically, and reports it', async () => {
    const a = build({ projection: String(M) });
    const b = build({ projection: String(M) });
    await learnAll(a, data.batches);
    await learnAll(b, data.batches);
    const chosen = a.describe!().choices!;
    expect(chosen['lambdaChosenBy']).toBe('gcv');
    expect(chosen['lambda']).toBeGreaterThan(0);
    expect(chosen['lambda']).toBe(b.describe!().choices!['lambda']);
    expect(solvedWeights(a).weights).toEqual(solvedWeights(b).weights);
    // The chosen λ is no worse, by GCV's own estimate of prediction error, than the grid's extremes.
    const predicted = await a.predict(data.test);
    expect(data.testLabels.filter((l, i) => predicted[i] === l).length / data.testLabels.length).toBeGreaterThan(0.8);
  });

  it("mixes in a kNN memory's votes when asked, and forgets from that memory too", async () => {
    const s = build({ projection: String(M), 'knn-weight': '0.5', k: '5' });
    await learnAll(s, data.batches);
    expect(s.describe!().memorySize).toBe(150);
    const predicted = await s.predict(data.test);
    expect(data.testLabels.filter((l, i) => predicted[i] === l).length / data.testLabels.length).toBeGreaterThan(0.8);
    const saved = s.saveState();
    const restored = build({ projection: String(M), 'knn-weight': '0.5', k: '5' });
    restored.restoreState({ params: saved.params, data: JSON.parse(JSON.stringify(saved.data)) as Record<string, unknown> });
    expect(await restored.predict(data.test)).toEqual(predicted);
    expect(s.forget!([0, 1, 2])).toBe(3);
    expect(s.describe!().memorySize).toBe(147);
  });

  it('refuses a saved state of another head width, saying why', async () => {
    const s = build({ projection: String(M) });
    await learnAll(s, data.batches.slice(0, 2));
    const saved = s.saveState();
    expect(() => build({ projection: '32' }).restoreState(saved)).toThrow(InvalidArgumentError);
    expect(() => build({ projection: '32' }).restoreState(saved)).toThrow(/saved statistics are 56 wide.*40/);
  });

  it('refuses bad options, naming each', () => {
    expect(() => build({ projection: '-1', lambda: 'x', colour: 'red' })).toThrow(/projection[\s\S]*lambda[\s\S]*unknown option 'colour'/);
  });
});
