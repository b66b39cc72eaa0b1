/** Offline strategies (declared by their capabilities, not their names) get the benchmark's jointEpochs and one pass of the loop. */
import { createExecutor, Engine } from '@mneme/engine';
import type { Executor } from '@mneme/execution';
import { STRATEGY_REGISTRY, type ExperiencePlan } from '@mneme/methods';
import { Rng } from '@mneme/random';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Benchmark, BenchmarkSettings } from './benchmark.js';
import { runBenchmark } from './run-benchmark.js';
import { strategyEpochs } from './strategy-epochs.js';

const SETTINGS: BenchmarkSettings = { batchSize: 5, epochs: 3, learningRate: 0.1, optimizer: { kind: 'sgd' }, hidden: [], jointEpochs: 2 };

describe('strategyEpochs', () => {
  it('gives an offline strategy jointEpochs and one loop pass, an online one the epochs for both', () => {
    expect(strategyEpochs({ training: 'offline' }, SETTINGS)).toEqual({ strategy: 2, loop: 1 });
    expect(strategyEpochs({ training: 'online' }, SETTINGS)).toEqual({ strategy: 3, loop: 3 });
  });

  it('follows each registered strategy’s declared training, so joint (offline) is the only one on jointEpochs today', () => {
    for (const [name, { capabilities }] of Object.entries(STRATEGY_REGISTRY)) {
      expect(strategyEpochs(capabilities, SETTINGS).strategy, name).toBe(
        capabilities.training === 'offline' ? SETTINGS.jointEpochs : SETTINGS.epochs,
      );
    }
    expect(Object.keys(STRATEGY_REGISTRY).filter((name) => STRATEGY_REGISTRY[name]!.capabilities.training === 'offline')).toEqual([
      'joint',
    ]);
  });
});

/** Two experiences of two Gaussian classes, 4 batches of 5 each: small enough to run in milliseconds. */
const tinyBenchmark: Benchmark = {
  name: 'tiny',
  description: 'two experiences of two Gaussian blobs',
  defaults: SETTINGS,
  build: ({ seed }) => {
    const rng = Rng.seeded(seed);
    const rows = (classes: number[], n: number) => {
      const labels = Int32Array.from({ length: n }, (_, i) => classes[i % classes.length]!);
      return {
        features: Float32Array.from({ length: n * 4 }, (_, k) => rng.normal() + labels[Math.floor(k / 4)]! * 2),
        labels,
        ids: Int32Array.from({ length: n }, (_, i) => i),
      };
    };
    const plan: ExperiencePlan[] = [
      [0, 1],
      [2, 3],
    ].map((classes, index) => {
      const train = rows(classes, 20);
      return {
        index,
        classes,
        batches: function* () {
          for (let at = 0; at < 20; at += 5)
            yield {
              features: train.features.slice(at * 4, (at + 5) * 4),
              labels: train.labels.slice(at, at + 5),
              ids: train.ids.slice(at, at + 5).map((i) => i + 20 * index),
            };
        },
        test: rows(classes, 8),
      };
    });
    return Promise.resolve({
      plan,
      classifier: { inputSize: 4, hidden: [], classes: 4 },
      classNames: ['a', 'b', 'c', 'd'],
      kind: 'class-incremental',
    });
  },
};

describe('runBenchmark', () => {
  let executor: Executor;
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
  });

  it.each([
    ['naive', 3 * 8],
    ['joint', 8],
  ])('feeds %s the experiences as its training capability says (%i batches over 8 per pass)', async (strategy, batches) => {
    let seen = 0;
    let total = 0;
    await runBenchmark({
      benchmark: tinyBenchmark,
      strategy,
      seeds: [0],
      executor,
      onProgress: (_seed, event, totalBatches) => {
        total = totalBatches;
        if (event.kind === 'batch') seen++;
      },
    });
    expect(seen).toBe(batches);
    expect(total).toBe(batches);
  });
});
