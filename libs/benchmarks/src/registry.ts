import { InvalidArgumentError } from '@mneme/errors';
import type { Benchmark } from './benchmark.js';
import { clinc150Benchmark, clinc150TaskBenchmark, clinc150ValidationBenchmark, textBenchmark } from './clinc150-benchmark.js';
import { permutedMnistBenchmark, splitMnist, splitMnistMini } from './mnist-benchmarks.js';

/** Every benchmark by its CLI name. */
export const BENCHMARKS: Readonly<Record<string, Benchmark>> = Object.freeze({
  [splitMnist.name]: splitMnist,
  [splitMnistMini.name]: splitMnistMini,
  [permutedMnistBenchmark.name]: permutedMnistBenchmark,
  [clinc150Benchmark.name]: clinc150Benchmark,
  [clinc150TaskBenchmark.name]: clinc150TaskBenchmark,
  [clinc150ValidationBenchmark.name]: clinc150ValidationBenchmark,
  [textBenchmark.name]: textBenchmark,
});

/** The benchmark of a name; an unknown name lists the valid ones. */
export function benchmarkByName(name: string): Benchmark {
  const found = BENCHMARKS[name];
  if (found === undefined)
    throw new InvalidArgumentError(`unknown benchmark '${name}'; valid benchmarks: ${Object.keys(BENCHMARKS).sort().join(', ')}`);
  return found;
}
