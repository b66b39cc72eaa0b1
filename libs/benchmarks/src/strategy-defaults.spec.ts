/** Per-benchmark strategy defaults: their precedence, what the report records, and their help text. */
import type { Executor } from '@mneme/execution';
import type { ExperiencePlan } from '@mneme/methods';
import { describe, expect, it } from 'vitest';
import type { Benchmark, BenchmarkSettings, BuildOptions } from './benchmark.js';
import { CLINC150_STRATEGY_DEFAULTS } from './clinc150-benchmark.js';
import { BENCHMARKS } from './registry.js';
import { runBenchmark } from './run-benchmark.js';
import { formatStrategyDefaultsHelp, resolveRun } from './strategy-defaults.js';

const DEFAULTS: BenchmarkSettings = { batchSize: 8, epochs: 1, learningRate: 1e-3, optimizer: { kind: 'sgd' }, hidden: [], jointEpochs: 1 };

/** Two experiences of one 2-d class each (kNN needs no executor); records the settings it was built with. */
function fakeBenchmark(strategyDefaults: Benchmark['strategyDefaults']): Benchmark & { built: BenchmarkSettings[] } {
  const built: BenchmarkSettings[] = [];
  const experience = (index: number): ExperiencePlan => {
    const features = Float32Array.from(index === 0 ? [1, 0, 0.9, 0.1] : [0, 1, 0.1, 0.9]);
    const labels = Int32Array.from([index, index]);
    return {
      index,
      classes: [index],
      batches: () => [{ features, labels, ids: Int32Array.from([2 * index, 2 * index + 1]) }],
      test: { features, labels },
    };
  };
  return {
    name: 'fake',
    description: 'two tiny experiences',
    defaults: DEFAULTS,
    ...(strategyDefaults === undefined ? {} : { strategyDefaults }),
    built,
    build(options: BuildOptions) {
      built.push(options.settings);
      return Promise.resolve({
        plan: [experience(0), experience(1)],
        classifier: { inputSize: 2, hidden: [], classes: 2 },
        classNames: ['a', 'b'],
        kind: 'class-incremental',
      });
    },
  };
}

const run = (benchmark: Benchmark, settings: Partial<BenchmarkSettings>, options: Record<string, string>) =>
  runBenchmark({ benchmark, strategy: 'knn', seeds: [0], executor: undefined as unknown as Executor, settings, options });

describe('resolveRun', () => {
  const benchmark = {
    defaults: DEFAULTS,
    strategyDefaults: { er: { settings: { learningRate: 0.01, epochs: 3 }, options: { memory: '100' }, chosenOn: 'fake-val' } },
  };

  it('layers benchmark defaults < strategy defaults < overrides, recording what applied and what was overridden', () => {
    expect(resolveRun(benchmark, 'er', { settings: { epochs: 2 }, options: { replay: '5' } })).toEqual({
      settings: { ...DEFAULTS, learningRate: 0.01, epochs: 2 },
      options: { memory: '100', replay: '5' },
      strategyDefaults: {
        strategy: 'er',
        settings: { learningRate: 0.01 },
        options: { memory: '100' },
        overridden: ['epochs'],
        chosenOn: 'fake-val',
      },
    });
    expect(resolveRun(benchmark, 'er', { settings: { learningRate: 0.5 }, options: { memory: '7' } })).toMatchObject({
      settings: { learningRate: 0.5, epochs: 3 },
      options: { memory: '7' },
      strategyDefaults: { settings: { epochs: 3 }, options: {}, overridden: ['learningRate', 'set memory'] },
    });
  });

  it('leaves strategies without defaults (and inherited names) alone', () => {
    expect(resolveRun(benchmark, 'mir', { options: { topK: '3' } })).toEqual({ settings: DEFAULTS, options: { topK: '3' } });
    expect(resolveRun(benchmark, 'toString')).toEqual({ settings: DEFAULTS, options: {} });
    expect(resolveRun({ defaults: DEFAULTS }, 'er', { settings: { learningRate: undefined } })).toEqual({
      settings: DEFAULTS,
      options: {},
    });
  });
});

describe('runBenchmark with strategy defaults', () => {
  it('builds with and hands the strategy the layered settings and options, and reports the defaults applied', async () => {
    const benchmark = fakeBenchmark({
      knn: { settings: { batchSize: 4, epochs: 2 }, options: { k: '1', temperature: '0.1' }, chosenOn: 'fake-val, seed 0' },
    });
    const report = await run(benchmark, { epochs: 1 }, { temperature: '0.2' });
    expect(benchmark.built[0]).toEqual({ ...DEFAULTS, batchSize: 4, epochs: 1 });
    expect(report.settings).toEqual({ ...DEFAULTS, batchSize: 4, epochs: 1 });
    expect(report.options).toEqual({ k: '1', temperature: '0.2' });
    expect(report.strategy_defaults).toEqual({
      strategy: 'knn',
      settings: { batchSize: 4 },
      options: { k: '1' },
      overridden: ['epochs', 'set temperature'],
      chosenOn: 'fake-val, seed 0',
    });
  });

  it("passes a strategy default to the strategy's option reading, and an override wins over it", async () => {
    const benchmark = fakeBenchmark({ knn: { options: { k: '0' }, chosenOn: 'a bad value, to see it reach the strategy' } });
    await expect(run(benchmark, {}, {})).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining("knn: option k must be an integer in [1, Infinity], got '0'"),
    });
    const report = await run(benchmark, {}, { k: '1' });
    expect(report.options).toEqual({ k: '1' });
    expect(report.strategy_defaults?.overridden).toEqual(['set k']);
  });

  it('reports no strategy defaults for a benchmark without them', async () => {
    const report = await run(fakeBenchmark(undefined), {}, {});
    expect(report.strategy_defaults).toBeUndefined();
    expect(report.options).toEqual({});
  });
});

describe('the text benchmarks’ strategy defaults', () => {
  it('hold only values chosen on clinc150-val, each citing where', () => {
    expect(CLINC150_STRATEGY_DEFAULTS['er']).toMatchObject({ settings: { learningRate: 0.01 } });
    expect(CLINC150_STRATEGY_DEFAULTS['mir']).toMatchObject({ settings: { learningRate: 0.01 } });
    expect(CLINC150_STRATEGY_DEFAULTS['expanding-head']).toMatchObject({ options: { rows: 'mean' } });
    expect(CLINC150_STRATEGY_DEFAULTS['adapter']).toMatchObject({ options: { scale: '8' } });
    for (const d of Object.values(CLINC150_STRATEGY_DEFAULTS))
      expect(d.chosenOn).toMatch(/^clinc150-val, seeds? [0-9-]+, ACC.*\(results\//);
    for (const name of ['clinc150', 'clinc150-val', 'clinc150-task', 'text'])
      expect(BENCHMARKS[name]!.strategyDefaults).toBe(CLINC150_STRATEGY_DEFAULTS);
    expect(BENCHMARKS['split-mnist']!.strategyDefaults).toBeUndefined();
  });

  it('are listed in help, one block for the benchmarks that share them', () => {
    const help = formatStrategyDefaultsHelp(BENCHMARKS);
    expect(help).toMatch(/^ {2}clinc150, clinc150-task, clinc150-val, text:\n/);
    expect(help).toMatch(/ er +--lr 0\.01\n +chosen on clinc150-val, seeds 0-1, ACC/);
    expect(help).toMatch(/ expanding-head +--set rows=mean\n/);
    expect(help).toMatch(/ adapter +--set scale=8\n/);
    expect(help).not.toContain('split-mnist');
  });
});
