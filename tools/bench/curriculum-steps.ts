/**
 * Training steps a curriculum needs to reach 90% of its final accuracy, against random order with
 * the same number of steps and the same sampler (`order=random pacing=none`). Each configuration
 * runs the benchmark's plan with the `curriculum` strategy, and after every optimizer step the
 * model is evaluated on the held-out samples of the experience being trained (`--probe current`)
 * or of every experience seen so far (`--probe seen`, meaningful with a replay memory). Per
 * experience: the first step count whose probe accuracy ≥ 0.9 × the experience's final probe
 * accuracy; averaged over experiences, then mean ± std over seeds. Writes one JSON.
 *
 *   node --conditions=@mneme/source --import tsx tools/bench/curriculum-steps.ts \
 *     --benchmark split-mnist --seeds 5 --epochs 3 --out results/curriculum-split-mnist.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { benchmarkByName } from '@mneme/benchmarks';
import { createExecutor, Engine } from '@mneme/engine';
import { curriculum, runExperiment, type CurriculumStep } from '@mneme/methods';

const { values: args } = parseArgs({
  options: {
    benchmark: { type: 'string', default: 'split-mnist' },
    seeds: { type: 'string', default: '5' },
    epochs: { type: 'string', default: '3' },
    memory: { type: 'string', default: '0' },
    probe: { type: 'string', default: 'current' },
    configs: { type: 'string', default: 'random,linear,root,step' },
    scoring: { type: 'string', default: 'confidence' },
    out: { type: 'string', default: 'results/curriculum-split-mnist.json' },
  },
});

const benchmark = benchmarkByName(args.benchmark);
const seeds = [...Array(Number(args.seeds)).keys()];
const settings = { ...benchmark.defaults, epochs: Number(args.epochs) };
const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));

/** Configuration name → strategy options. */
const CONFIGS: Record<string, Record<string, string>> = {
  random: { order: 'random', pacing: 'none' },
  linear: { pacing: 'linear', scoring: args.scoring },
  root: { pacing: 'root', scoring: args.scoring },
  step: { pacing: 'step', scoring: args.scoring },
  'hard-first': { pacing: 'linear', scoring: args.scoring, order: 'hard-first' },
};

const meanStd = (xs: number[]) => {
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  const std = xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
  return { mean, std };
};

interface SeedResult {
  seed: number;
  /** Steps to 90% of final probe accuracy, per experience. */
  steps_to_90: number[];
  /** Final probe accuracy per experience. */
  final_probe_acc: number[];
  /** Mean probe accuracy over all steps (area under the curve / steps), per experience. */
  mean_probe_acc: number[];
  acc: number;
  steps_per_experience: number;
}
const results: Record<
  string,
  { options: Record<string, string>; seeds: SeedResult[]; summary: Record<string, { mean: number; std: number }> }
> = {};
const started = performance.now();
for (const name of args.configs.split(',')) {
  const options = { ...CONFIGS[name]! };
  if (Number(args.memory) > 0) options['memory'] = args.memory;
  const perSeed: SeedResult[] = [];
  for (const seed of seeds) {
    const built = await benchmark.build({ seed, settings, executor });
    const curves: number[][] = built.plan.map(() => []);
    let total = 0;
    const probe = async (step: CurriculumStep) => {
      const parts = args.probe === 'seen' ? built.plan.slice(0, step.experience + 1) : [built.plan[step.experience]!];
      let correct = 0;
      let count = 0;
      for (const e of parts) {
        const predicted = await strategy.predict(e.test.features);
        predicted.forEach((p, i) => (correct += p === e.test.labels[i] ? 1 : 0));
        count += e.test.labels.length;
      }
      curves[step.experience]!.push(correct / count);
      total = step.totalSteps;
    };
    const strategy = curriculum(
      {
        executor,
        classifier: built.classifier,
        optimizer: settings.optimizer,
        learningRate: settings.learningRate,
        batchSize: settings.batchSize,
        epochs: settings.epochs,
        seed,
        options,
      },
      { onStep: probe },
    );
    const result = await runExperiment(strategy, built.plan, { epochs: settings.epochs });
    const stepsTo90 = curves.map((c) => {
      const target = 0.9 * c[c.length - 1]!;
      return c.findIndex((a) => a >= target) + 1;
    });
    perSeed.push({
      seed,
      steps_to_90: stepsTo90,
      final_probe_acc: curves.map((c) => c[c.length - 1]!),
      mean_probe_acc: curves.map((c) => c.reduce((a, x) => a + x, 0) / c.length),
      acc: result.acc.value,
      steps_per_experience: total,
    });
  }
  const avg = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const summary = {
    steps_to_90: meanStd(perSeed.map((s) => avg(s.steps_to_90))),
    steps_to_90_first_experience: meanStd(perSeed.map((s) => s.steps_to_90[0]!)),
    steps_to_90_later_experiences: meanStd(perSeed.map((s) => avg(s.steps_to_90.slice(1)))),
    final_probe_acc: meanStd(perSeed.map((s) => avg(s.final_probe_acc))),
    mean_probe_acc: meanStd(perSeed.map((s) => avg(s.mean_probe_acc))),
    acc: meanStd(perSeed.map((s) => s.acc)),
  };
  results[name] = { options, seeds: perSeed, summary };
  const f = (x: { mean: number; std: number }, pct = false) =>
    pct ? `${(100 * x.mean).toFixed(2)} ± ${(100 * x.std).toFixed(2)} %` : `${x.mean.toFixed(1)} ± ${x.std.toFixed(1)}`;
  console.log(
    `${name.padEnd(10)} steps to 90%: ${f(summary.steps_to_90)} (e0 ${f(summary.steps_to_90_first_experience)}, later ${f(summary.steps_to_90_later_experiences)}) of ${perSeed[0]!.steps_per_experience}; final probe ${f(summary.final_probe_acc, true)}; mean probe ${f(summary.mean_probe_acc, true)}; ACC ${f(summary.acc, true)}`,
  );
}

const command = `node --conditions=@mneme/source --import tsx tools/bench/curriculum-steps.ts ${process.argv.slice(2).join(' ')}`.trim();
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(
  args.out,
  `${JSON.stringify(
    {
      benchmark: benchmark.name,
      strategy: 'curriculum',
      settings,
      seeds,
      probe: args.probe,
      metric:
        'steps_to_90: per experience, the first optimizer step (1-based) after which held-out accuracy on the probe set ≥ 0.9 × its final value; mean over experiences, then mean ± sample std over seeds',
      command,
      wall_s: (performance.now() - started) / 1000,
      results,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${args.out}`);
