/**
 * CLINC150 class-incremental (15 × 10 intents, frozen all-MiniLM-L6-v2) for L2P and its baselines
 * on a reduced protocol that fits a shared CPU: the first `--train-per-class` training utterances
 * of each intent (in the scenario's seeded order), the first `--test-per-class` test utterances, and
 * after each experience only the experiences seen so far are evaluated (ACC and forgetting need no
 * more; FWT is not computed). Every strategy runs on exactly the same subset. The full protocol is
 * `mneme run --benchmark clinc150 --strategy l2p` (same strategy, same options).
 *
 *   node --conditions=@mneme/source --import tsx tools/bench/l2p-clinc150.ts \
 *     --strategies l2p,naive,joint,expanding-head --seeds 0,1 --train-per-class 10 --test-per-class 5 \
 *     --epochs 1 --set size=10 --set select=5 --set length=5 --out results/clinc150-l2p.json
 *
 * `--seeds-for name=0,1,2` overrides the seeds of one strategy (cheap feature-level baselines can run
 * more seeds than the token-level L2P). Env: MNEME_BENCH_THREADS (ORT intra-op threads, default 1).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { clinc150Benchmark, seedStatistic, strategyEpochs } from '@mneme/benchmarks';
import { createExecutor, Engine } from '@mneme/engine';
import type { MetricValue } from '@mneme/metrics';
import { strategyCapabilities, strategyFactory, type ExperiencePlan } from '@mneme/methods';
import { gatherRows } from '@mneme/tensor';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const sets = args.flatMap((a, i) => (a === '--set' ? [args[i + 1]!] : []));
const seedsFor = Object.fromEntries(
  args.flatMap((a, i) => (a === '--seeds-for' ? [args[i + 1]!.split('=')] : [])).map(([k, v]) => [k!, v!.split(',').map(Number)]),
);
// Commas inside `[...]` separate a variant's options, not strategies.
const strategies = flag('strategies', 'l2p').split(/,(?![^[]*\])/);
const seeds = flag('seeds', '0').split(',').map(Number);
const trainPerClass = Number(flag('train-per-class', '10'));
const testPerClass = Number(flag('test-per-class', '5'));
const epochs = Number(flag('epochs', '1'));
const batchSize = Number(flag('batch-size', '32'));
const learningRate = Number(flag('lr', String(clinc150Benchmark.defaults.learningRate)));
const out = flag('out', 'results/clinc150-l2p.json');
const l2pOptions = Object.fromEntries(sets.map((s) => [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)]));
const threads = Number(process.env['MNEME_BENCH_THREADS'] ?? 1);

const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: threads, allowSpinning: false }));
const settings = { ...clinc150Benchmark.defaults, batchSize, epochs, jointEpochs: epochs, learningRate };

/** The first `k` rows per class of a feature/label set (order kept). */
function firstPerClass<T extends { features: Float32Array; labels: Int32Array; ids?: Int32Array }>(x: T, k: number, d: number): T {
  const seen = new Map<number, number>();
  const keep: number[] = [];
  x.labels.forEach((l, i) => {
    const n = seen.get(l) ?? 0;
    if (n < k) keep.push(i);
    seen.set(l, n + 1);
  });
  const features = gatherRows(x.features, d, keep);
  return {
    ...x,
    features,
    labels: Int32Array.from(keep, (r) => x.labels[r]!),
    ...(x.ids === undefined ? {} : { ids: Int32Array.from(keep, (r) => x.ids![r]!) }),
  };
}

/** The plan restricted to the subset, re-batched. */
function reduce(plan: readonly ExperiencePlan[], d: number): ExperiencePlan[] {
  return plan.map((e) => {
    const rows = [...e.batches()];
    const all = {
      features: Float32Array.from(rows.flatMap((b) => [...b.features])),
      labels: Int32Array.from(rows.flatMap((b) => [...b.labels])),
      ids: Int32Array.from(rows.flatMap((b) => [...b.ids])),
    };
    const train = firstPerClass(all, trainPerClass, d);
    const batches: { features: Float32Array; labels: Int32Array; ids: Int32Array }[] = [];
    for (let s = 0; s < train.labels.length; s += batchSize) {
      batches.push({
        features: train.features.slice(s * d, (s + batchSize) * d),
        labels: train.labels.slice(s, s + batchSize),
        ids: train.ids.slice(s, s + batchSize),
      });
    }
    return { ...e, batches: () => batches, test: firstPerClass(e.test, testPerClass, d) };
  });
}

const results: Record<string, unknown> = {};
/** `name` or `name[key=value,...]`: a strategy with its own options (l2p variants also get the `--set` options). */
function parseEntry(entry: string): { base: string; options: Record<string, string> } {
  const m = /^([\w-]+)(?:\[(.*)\])?$/.exec(entry);
  if (m === null) throw new Error(`bad strategy entry '${entry}'`);
  const own = Object.fromEntries(
    (m[2] ?? '')
      .split(',')
      .filter((kv) => kv !== '')
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  return { base: m[1]!, options: m[1] === 'l2p' ? { ...l2pOptions, ...own } : own };
}

for (const name of strategies) {
  const { base, options } = parseEntry(name);
  const runSeeds = seedsFor[name] ?? seeds;
  const perSeed: { acc: MetricValue; forgetting: MetricValue; matrix: number[][]; wall_s: number; train_s: number; eval_s: number }[] = [];
  for (const seed of runSeeds) {
    const built = await clinc150Benchmark.build({ seed, settings, executor });
    const d = built.classifier.inputSize;
    const plan = reduce(built.plan, d);
    const runEpochs = strategyEpochs(strategyCapabilities(base), settings);
    const strategy = strategyFactory(base)({
      executor,
      classifier: built.classifier,
      optimizer: settings.optimizer,
      learningRate: settings.learningRate,
      batchSize,
      epochs: runEpochs.strategy,
      seed,
      options,
      ...(built.text === undefined ? {} : { text: built.text }),
    });
    const started = performance.now();
    let trainMs = 0;
    let evalMs = 0;
    const matrix: number[][] = [];
    for (const e of plan) {
      const info = { index: e.index, classes: e.classes };
      let t = performance.now();
      await strategy.beginExperience(info);
      for (let epoch = 0; epoch < runEpochs.loop; epoch++) for (const b of e.batches()) await strategy.learn({ ...b, experience: e.index });
      await strategy.endExperience(info);
      trainMs += performance.now() - t;
      t = performance.now();
      const row: number[] = [];
      for (const seen of plan.slice(0, e.index + 1)) {
        const predicted = await strategy.predict(seen.test.features);
        row.push(predicted.reduce((a, p, i) => a + (p === seen.test.labels[i] ? 1 : 0), 0) / seen.test.labels.length);
      }
      evalMs += performance.now() - t;
      matrix.push(row);
      process.stderr.write(
        `${name} seed ${seed}: experience ${e.index} → mean seen ${((100 * row.reduce((a, x) => a + x, 0)) / row.length).toFixed(1)}% (train ${(trainMs / 1000).toFixed(0)} s, eval ${(evalMs / 1000).toFixed(0)} s)\n`,
      );
    }
    const last = matrix.at(-1)!;
    const k = matrix.length;
    let forgetting = 0;
    for (let j = 0; j < k - 1; j++) forgetting += Math.max(...matrix.slice(j, k - 1).map((r) => r[j]!)) - last[j]!;
    perSeed.push({
      acc: { value: last.reduce((a, x) => a + x, 0) / k, definition: 'acc-lopez-paz-2017' },
      forgetting: { value: forgetting / (k - 1), definition: 'forgetting-chaudhry-2018' },
      matrix,
      wall_s: (performance.now() - started) / 1000,
      train_s: trainMs / 1000,
      eval_s: evalMs / 1000,
    });
  }
  results[name] = {
    seeds: runSeeds,
    options,
    acc: seedStatistic(perSeed.map((r) => r.acc)),
    forgetting: seedStatistic(perSeed.map((r) => r.forgetting)),
    per_seed: perSeed.map((r) => ({
      acc: r.acc.value,
      forgetting: r.forgetting.value,
      wall_s: r.wall_s,
      train_s: r.train_s,
      eval_s: r.eval_s,
    })),
    matrix: perSeed.map((r) => r.matrix),
  };
  const s = results[name] as { acc: { mean: number; std: number }; forgetting: { mean: number; std: number } };
  console.log(
    `${name}: ACC ${(100 * s.acc.mean).toFixed(1)} ± ${(100 * s.acc.std).toFixed(1)}, forgetting ${(100 * s.forgetting.mean).toFixed(1)} ± ${(100 * s.forgetting.std).toFixed(1)} (seeds ${runSeeds.join(',')})`,
  );
}

const report = {
  benchmark: 'clinc150 (reduced protocol)',
  protocol: {
    train_per_class: trainPerClass,
    test_per_class: testPerClass,
    evaluated: 'after each experience, the experiences seen so far (FWT not computed)',
    epochs,
    batch_size: batchSize,
    settings,
    threads,
  },
  command: `node --conditions=@mneme/source --import tsx tools/bench/l2p-clinc150.ts ${args.join(' ')}`,
  results,
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${out}`);
