/**
 * `npm run bench:methods`: the cost of MIR's retrieval. ER and ER-MIR (defaults: memory 500, C 50,
 * k 10) learn the same Split-MNIST online stream (MLP 784-400-400-10, SGD 0.1, batches of 10) side by
 * side in one process: after the first experience fills both memories, every incoming batch is
 * learned by ER and by MIR in turn and each `learn` call is timed, so machine load affects both
 * alike. Prints JSON lines: er_step_ms and mir_step_ms (median wall time per step), and
 * mir_over_er (goal ≤ 1.7). Each line also carries `cpu_ms` / `cpu_ratio`, the process CPU time per
 * step (mean), which stays meaningful when other processes share the cores and wall times inflate.
 *
 * Env: MNEME_BENCH_SEED (default 0), MNEME_BENCH_THREADS (ORT intra-op threads, default 1: the
 * reference figure is one core).
 */
import { loadavg } from 'node:os';
import { classIncremental, holdoutSplit, imageDataset, loadMnist, MNIST_CLASS_NAMES, onlineStream } from '@mneme/data';
import { createExecutor, Engine } from '@mneme/engine';
import { er, mir, type LabelledBatch, type Strategy, type StrategyContext } from '@mneme/methods';

const seed = Number(process.env['MNEME_BENCH_SEED'] ?? 0);
const threads = Number(process.env['MNEME_BENCH_THREADS'] ?? 1);
const GOAL = 1.7;

const set = await loadMnist();
const dataset = imageDataset('mnist', set, holdoutSplit(set.labels, { test: 2000, seed }));
const scenario = classIncremental(dataset, { seed, experiences: 5, classOrder: MNIST_CLASS_NAMES, trainPerExperience: 1000 });
// No spinning: idle worker threads would add CPU time that is not work.
const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: threads, allowSpinning: false }));

const ctx: StrategyContext = {
  executor,
  classifier: { inputSize: 784, hidden: [400, 400], classes: 10 },
  optimizer: { kind: 'sgd' },
  learningRate: 0.1,
  batchSize: 10,
  epochs: 1,
  seed,
  options: {},
};
const learners: Record<'er' | 'mir', Strategy> = { er: er(ctx), mir: mir(ctx) };
const times: Record<'er' | 'mir', number[]> = { er: [], mir: [] };
const cpu: Record<'er' | 'mir', number> = { er: 0, mir: 0 };

for (const e of scenario.experiences) {
  const info = { index: e.index, classes: e.classes };
  for (const s of Object.values(learners)) await s.beginExperience(info);
  for (const b of onlineStream(e.train, { batchSize: 10 })) {
    const batch: LabelledBatch = { features: b.inputs, labels: b.labels, ids: b.indices, experience: e.index };
    for (const name of ['er', 'mir'] as const) {
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      await learners[name].learn(batch);
      // The first experience fills the memories (and compiles the graphs): not the steady state.
      if (e.index > 0) {
        times[name].push(performance.now() - started);
        const used = process.cpuUsage(cpuStarted);
        cpu[name] += (used.user + used.system) / 1000;
      }
    }
  }
  for (const s of Object.values(learners)) await s.endExperience(info);
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const erMs = median(times.er);
const mirMs = median(times.mir);
const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const steps = times.er.length;
const erCpu = cpu.er / steps;
const mirCpu = cpu.mir / steps;
const common = { steps, threads, seed, load_1m: round(loadavg()[0]!, 2) };
console.log(
  JSON.stringify({
    bench: 'methods',
    metric: 'er_step_ms',
    value: round(erMs),
    unit: 'ms',
    ratio: 1,
    ratio_to: 'er_step_ms',
    cpu_ms: round(erCpu),
    ...common,
  }),
);
console.log(
  JSON.stringify({
    bench: 'methods',
    metric: 'mir_step_ms',
    value: round(mirMs),
    unit: 'ms',
    ratio: round(mirMs / erMs),
    ratio_to: 'er_step_ms',
    cpu_ms: round(mirCpu),
    ...common,
  }),
);
console.log(
  JSON.stringify({
    bench: 'methods',
    metric: 'mir_over_er',
    value: round(mirMs / erMs),
    unit: 'x',
    ratio: round(mirMs / erMs / GOAL),
    ratio_to: `goal-${GOAL}`,
    cpu_ratio: round(mirCpu / erCpu),
    ...common,
  }),
);
