import { createExecutor, Engine } from '@mneme/engine';
import { InvalidArgumentError } from '@mneme/errors';
import { ParameterStore, type Executor } from '@mneme/execution';
import { buildMlp, CLASSIFIER_IO, withCrossEntropyLoss } from '@mneme/models';
import { Rng } from '@mneme/random';
import { tensor } from '@mneme/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { distill } from './distill.js';
import type { DistillNetwork } from './distill-network.js';
import { fitTokens } from './distill-text-space.js';
import { buildBilevelGraph, DISTILL_DEFAULTS, DISTILL_IO, Distiller, type DistillData, type DistillOptions } from './distillation.js';
import { checkDistilledSet, distilledSetFromBytes, distilledSetToBytes, type DistilledSet } from './distilled-set.js';

const D = 4;
const mlp = (sizes: number[]): DistillNetwork => ({
  name: `mlp-${sizes.join('-')}`,
  inputShape: [sizes[0]!],
  classes: sizes.at(-1)!,
  build: (seed) => buildMlp({ sizes, seed }),
});

/** Two Gaussian blobs in 4-d, `n` per class. */
function blobs(n: number, seed: number): DistillData {
  const rng = Rng.seeded(seed);
  const labels = Int32Array.from({ length: 2 * n }, (_, i) => i % 2);
  const inputs = Float32Array.from(
    Array.from(labels).flatMap((l) => Array.from({ length: D }, (_, j) => (j === 0 ? (l === 0 ? -1.5 : 1.5) : 0) + rng.normal(0, 1))),
  );
  return { inputs, labels };
}

describe('dataset distillation (bi-level, second order)', () => {
  let executor: Executor;
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
  });

  it('gives the outer-loss gradients of the synthetic samples and log-lr that finite differences give', async () => {
    const network = mlp([D, 5, 2]);
    const { model, weights } = buildBilevelGraph(network, undefined, 4, 6, 2);
    const rng = Rng.seeded(3);
    const w0 = buildMlp({ sizes: [D, 5, 2], seed: 11 });
    const feeds = {
      ...Object.fromEntries(
        weights.map(({ name, dims }) => [
          name,
          tensor('float32', dims, Float32Array.from(w0.graph.initializers.get(name)!.data as Float32Array)),
        ]),
      ),
      [DISTILL_IO.syntheticLabels]: tensor('int64', [4], BigInt64Array.of(0n, 0n, 1n, 1n)),
      [DISTILL_IO.real]: tensor(
        'float32',
        [6, D],
        Float32Array.from({ length: 6 * D }, () => rng.normal(0, 1)),
      ),
      [DISTILL_IO.realLabels]: tensor('int64', [6], BigInt64Array.of(0n, 1n, 0n, 1n, 1n, 0n)),
    };
    const xs = Float32Array.from({ length: 4 * D }, () => rng.normal(0, 1));
    const logLr = Math.log(0.5);
    const run = async (x: Float32Array, l: number) =>
      executor.forward(model, {
        ...feeds,
        [DISTILL_IO.synthetic]: tensor('float32', [4, D], x),
        [DISTILL_IO.logLr]: tensor('float32', [1], Float32Array.of(l)),
      });
    const base = await run(xs, logLr);
    const gradX = base[DISTILL_IO.gradSynthetic]!.data as Float32Array;
    const gradLr = Number(base[DISTILL_IO.gradLogLr]!.data[0]);
    const loss = async (x: Float32Array, l: number) => Number((await run(x, l))[DISTILL_IO.outerLoss]!.data[0]);
    const eps = 1e-2;
    let worst = 0;
    for (const i of [0, 3, 5, 9, 14]) {
      const plus = xs.slice();
      const minus = xs.slice();
      plus[i]! += eps;
      minus[i]! -= eps;
      const numeric = ((await loss(plus, logLr)) - (await loss(minus, logLr))) / (2 * eps);
      worst = Math.max(worst, Math.abs(numeric - gradX[i]!) / Math.max(1e-2, Math.abs(numeric)));
    }
    const numericLr = ((await loss(xs, logLr + eps)) - (await loss(xs, logLr - eps))) / (2 * eps);
    worst = Math.max(worst, Math.abs(numericLr - gradLr) / Math.max(1e-2, Math.abs(numericLr)));
    // float32 forward runs: central differences at eps 1e-2 agree to about 1e-3 relative.
    expect(worst).toBeLessThan(2e-2);
    expect(gradX.some((g) => Math.abs(g) > 1e-4)).toBe(true);
  });

  const options = (overrides: Partial<DistillOptions>): DistillOptions => ({
    ...DISTILL_DEFAULTS,
    perClass: 2,
    outerSteps: 40,
    realBatch: 32,
    outerLr: 0.05,
    innerLr: 0.1,
    seed: 5,
    ...overrides,
  });

  /** Mean real-data loss of fresh models (unseen seeds) before and after one step on a set. */
  async function trainOnce(
    network: DistillNetwork,
    data: DistillData,
    x: Float32Array,
    y: Int32Array,
    lr: number,
  ): Promise<{ before: number; after: number }> {
    const model = withCrossEntropyLoss(network.build(0));
    let before = 0;
    let after = 0;
    const seeds = [101, 102, 103, 104];
    for (const seed of seeds) {
      const store = ParameterStore.fromModel(withCrossEntropyLoss(network.build(seed)));
      const realFeeds = {
        [CLASSIFIER_IO.input]: tensor('float32', [data.labels.length, D], data.inputs),
        [CLASSIFIER_IO.labels]: tensor(
          'int64',
          [data.labels.length],
          BigInt64Array.from(data.labels, (l) => BigInt(l)),
        ),
      };
      before +=
        Number((await executor.forward(model, realFeeds, { params: store, fetches: [CLASSIFIER_IO.loss] }))[CLASSIFIER_IO.loss]!.data[0]) /
        seeds.length;
      const step = executor.trainStep({ model, loss: CLASSIFIER_IO.loss, store, optimizer: { kind: 'sgd' }, lr });
      await step.step({
        [CLASSIFIER_IO.input]: tensor('float32', [y.length, D], x),
        [CLASSIFIER_IO.labels]: tensor(
          'int64',
          [y.length],
          BigInt64Array.from(y, (l) => BigInt(l)),
        ),
      });
      after +=
        Number((await executor.forward(model, realFeeds, { params: store, fetches: [CLASSIFIER_IO.loss] }))[CLASSIFIER_IO.loss]!.data[0]) /
        seeds.length;
    }
    return { before, after };
  }

  it('lowers the outer loss on real data, and its samples train fresh models better than their initialisation', async () => {
    const network = mlp([D, 8, 2]);
    const data = blobs(40, 1);
    const distiller = new Distiller(executor, network);
    const result = await distiller.distil(data, options({ method: 'second-order' }));
    const mean = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    expect(mean(result.trace.slice(-8))).toBeLessThan(mean(result.trace.slice(0, 8)));
    expect([...result.labels]).toEqual([0, 0, 1, 1]);
    const { before, after } = await trainOnce(network, data, result.inputs, result.labels, result.lr);
    expect(after).toBeLessThan(before);
  });

  it('is deterministic per seed', async () => {
    const network = mlp([D, 8, 2]);
    const data = blobs(20, 2);
    const run = () => new Distiller(executor, network).distil(data, options({ outerSteps: 5, initsPerStep: 2 }));
    const [a, b] = [await run(), await run()];
    expect(a.inputs).toEqual(b.inputs);
    expect(a.lr).toBe(b.lr);
  });

  it.each(['first-order', 'gradient-matching'] as const)('%s variant lowers its objective', async (method) => {
    const network = mlp([D, 8, 2]);
    const data = blobs(40, 3);
    const result = await new Distiller(executor, network).distil(data, options({ method, outerSteps: 30 }));
    const mean = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    expect(mean(result.trace.slice(-6))).toBeLessThan(mean(result.trace.slice(0, 6)));
  });

  it('rejects bad options and data with InvalidArgumentError', async () => {
    const distiller = new Distiller(executor, mlp([D, 3, 2]));
    await expect(distiller.distil(blobs(4, 1), options({ perClass: 0, method: 'first-order', innerSteps: 2 }))).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(distiller.distil({ inputs: new Float32Array(3), labels: Int32Array.of(0) }, options({}))).rejects.toThrow(/input values/);
  });
});

describe('distilled sets', () => {
  const set: DistilledSet = {
    experience: 2,
    version: 3,
    method: 'second-order',
    spec: { network: 'mlp-4-8-2', k: 2, clamp: false },
    labels: Int32Array.of(0, 0, 1),
    inputs: { data: Float32Array.of(0.5, -1, 1e-30, 7, 3.25, Math.fround(0.1)), shape: [3, 2] },
    features: { data: Float32Array.of(1, 2, 3), shape: [3, 1] },
    lr: 0.0123,
    created: '2025-01-01T00:00:00.000Z',
  };

  it('round-trips through bytes exactly', () => {
    const back = distilledSetFromBytes(distilledSetToBytes(set));
    expect(back).toEqual(set);
    const { features: _features, ...noFeatures } = set;
    expect(distilledSetFromBytes(distilledSetToBytes(noFeatures))).toEqual(noFeatures);
  });

  it('rejects inconsistent sets and foreign bytes', () => {
    expect(() => checkDistilledSet({ ...set, labels: Int32Array.of(0) })).toThrow(InvalidArgumentError);
    expect(() => distilledSetFromBytes(new Uint8Array(16))).toThrow(/magic/);
    const bytes = distilledSetToBytes(set);
    expect(() => distilledSetFromBytes(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
  });
});

describe('distill strategy wiring', () => {
  it('fits token sequences to a fixed length by truncating (keeping [SEP]) or repeating', () => {
    expect(fitTokens([101, 7, 8, 102], 3)).toEqual([101, 7, 102]);
    expect(fitTokens([101, 7, 102], 7)).toEqual([101, 7, 102, 101, 7, 102, 101]);
  });

  it('rejects space=tokens outside text benchmarks', async () => {
    const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
    const ctx = {
      executor,
      classifier: { inputSize: 4, hidden: [], classes: 2 },
      optimizer: { kind: 'sgd' as const },
      learningRate: 0.1,
      batchSize: 4,
      epochs: 1,
      seed: 1,
    };
    expect(() => distill({ ...ctx, options: { space: 'tokens' } })).toThrow(/text benchmark/);
    expect(() => distill({ ...ctx, options: { method: 'third-order' } })).toThrow(InvalidArgumentError);
  });
});
