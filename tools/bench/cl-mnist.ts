/**
 * `npm run bench:cl`: whole Split-MNIST online runs, mneme against PyTorch. Naive, ER and ER-MIR
 * (memory 500, C 50, k 10) learn the stream of mneme's benchmarks (5 class-incremental experiences,
 * batches of 10, one pass, SGD lr 0.1, MLP 784-400-400-10, 1000 training samples per experience as
 * bench:methods) and are then scored on every experience's test part. Each run is timed end to end:
 * building the strategy, learning the whole stream, the final evaluation (data loading excluded).
 *
 * The PyTorch side (cl_mnist_torch.py) reads the same stream, test sets and initial weights from a
 * file this script writes, so both sides start from the same weights and see identical incoming
 * batches; memory sampling draws from each side's own random stream, so accuracies agree closely but
 * not exactly. Both sides use one thread (torch.set_num_threads(1); ORT intra-op 1, no spinning).
 *
 * Prints one JSON line per strategy: mneme_run_ms (value), torch_run_ms, ratio (mneme / PyTorch),
 * each side's process CPU time (cpu_ratio stays meaningful when other processes share the cores
 * and wall times inflate) and each side's final ACC. Without torch, mneme's figures alone (and a note on stderr).
 *
 * Env: MNEME_BENCH_PYTHON (default python3), MNEME_BENCH_STRATEGIES (default naive,er,mir),
 * MNEME_BENCH_REPS (runs per side and strategy, best kept; default 1), MNEME_BENCH_SEED (default 0),
 * MNEME_BENCH_TRAIN_PER_EXPERIENCE (default 1000).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { classIncremental, holdoutSplit, imageDataset, loadMnist, MNIST_CLASS_NAMES, onlineStream } from '@mneme/data';
import { createExecutor, Engine } from '@mneme/engine';
import { er, mir, naive, type Strategy, type StrategyContext } from '@mneme/methods';

const python = process.env['MNEME_BENCH_PYTHON'] ?? 'python3';
const seed = Number(process.env['MNEME_BENCH_SEED'] ?? 0);
const reps = Number(process.env['MNEME_BENCH_REPS'] ?? 1);
const perExperience = Number(process.env['MNEME_BENCH_TRAIN_PER_EXPERIENCE'] ?? 1000);
const STRATEGIES = { naive, er, mir } as const;
type StrategyName = keyof typeof STRATEGIES;
const chosen = (process.env['MNEME_BENCH_STRATEGIES'] ?? 'naive,er,mir').split(',').map((s) => s.trim()) as StrategyName[];
const unknown = chosen.filter((s) => !(s in STRATEGIES));
if (unknown.length > 0) throw new Error(`MNEME_BENCH_STRATEGIES: unknown ${unknown.join(', ')}; use naive, er, mir`);
// The protocol of both sides; the Python script reads it from the data file.
const PROTOCOL = { batch: 10, lr: 0.1, hidden: [400, 400], classes: 10, memory: 500, replay: 10, candidates: 50, topK: 10 };

const set = await loadMnist();
const dataset = imageDataset('mnist', set, holdoutSplit(set.labels, { test: 2000, seed }));
const scenario = classIncremental(dataset, { seed, experiences: 5, classOrder: MNIST_CLASS_NAMES, trainPerExperience: perExperience });
const all = (size: number) => Int32Array.from({ length: size }, (_, i) => i);
const parts = scenario.experiences.map((e) => ({
  index: e.index,
  classes: e.classes,
  train: e.train.batch(all(e.train.size)),
  test: e.test.batch(all(e.test.size)),
}));
const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));

const context = (): StrategyContext => ({
  executor,
  classifier: { inputSize: 784, hidden: PROTOCOL.hidden, classes: PROTOCOL.classes },
  optimizer: { kind: 'sgd' },
  learningRate: PROTOCOL.lr,
  batchSize: PROTOCOL.batch,
  epochs: 1,
  seed,
  options: {},
});

/** Wall and process CPU time of one whole run, and its final ACC. */
interface Run {
  ms: number;
  cpuMs: number;
  acc: number;
}

/** One whole run: build, learn the stream, score every experience's test part. */
async function mnemeRun(name: StrategyName): Promise<Run> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const strategy: Strategy = STRATEGIES[name](context());
  for (const e of scenario.experiences) {
    const info = { index: e.index, classes: e.classes };
    await strategy.beginExperience(info);
    for (const b of onlineStream(e.train, { batchSize: PROTOCOL.batch })) {
      await strategy.learn({ features: b.inputs, labels: b.labels, ids: b.indices, experience: e.index });
    }
    await strategy.endExperience(info);
  }
  let acc = 0;
  for (const p of parts) {
    const predicted = await strategy.predict(p.test.inputs);
    acc += predicted.reduce((hits, c, i) => hits + (c === p.test.labels[i] ? 1 : 0), 0) / predicted.length / parts.length;
  }
  const cpu = process.cpuUsage(cpuStarted);
  return { ms: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000, acc };
}

/** Writes the stream, the test sets and the initial weights for the PyTorch side; returns the header path. */
function exportData(dir: string): string {
  const floats: Float32Array[] = [];
  let offset = 0;
  const put = (data: Float32Array): number => {
    floats.push(data);
    offset += data.length;
    return offset - data.length;
  };
  const experiences = parts.map((p) => ({
    classes: p.classes,
    train: { offset: put(p.train.inputs), labels: [...p.train.labels] },
    test: { offset: put(p.test.inputs), labels: [...p.test.labels] },
  }));
  // Initial weights of mneme's classifier ([in, out] layout), so both sides start alike.
  const params = naive(context()).saveState().params;
  const weights = Object.fromEntries(params.names().map((n) => [n, { offset: put(params.get(n).data), shape: params.get(n).shape }]));
  const binary = join(dir, 'floats.bin');
  const joined = new Float32Array(offset);
  let at = 0;
  for (const f of floats) {
    joined.set(f, at);
    at += f.length;
  }
  writeFileSync(binary, joined);
  const header = join(dir, 'protocol.json');
  writeFileSync(header, JSON.stringify({ protocol: PROTOCOL, inputSize: 784, binary, experiences, weights, seed }));
  return header;
}

function torchRun(header: string, name: StrategyName): Run | undefined {
  const run = spawnSync(python, [new URL('./cl_mnist_torch.py', import.meta.url).pathname, header, name], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) {
    console.error(`PyTorch side failed for ${name}: ${run.stderr}`);
    return undefined;
  }
  const { run_ms, cpu_ms, acc } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { run_ms: number; cpu_ms: number; acc: number };
  return { ms: run_ms, cpuMs: cpu_ms, acc };
}

const hasTorch = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!hasTorch)
  console.error(
    `PyTorch is not importable with ${python}: printing mneme's figures without ratios (set MNEME_BENCH_PYTHON to an interpreter with torch).`,
  );
const dir = mkdtempSync(join(tmpdir(), 'mneme-bench-cl-'));
try {
  const header = hasTorch ? exportData(dir) : '';
  const round = (x: number, digits = 1) => Number(x.toFixed(digits));
  for (const name of chosen) {
    let mneme: Run = { ms: Infinity, cpuMs: Infinity, acc: 0 };
    let torch: Run | undefined;
    // Sides alternate, so a change in machine load reaches both; the fastest run of each is kept.
    for (let r = 0; r < reps; r++) {
      const m = await mnemeRun(name);
      if (m.ms < mneme.ms) mneme = m;
      const t = hasTorch ? torchRun(header, name) : undefined;
      if (t !== undefined && (torch === undefined || t.ms < torch.ms)) torch = t;
    }
    console.log(
      JSON.stringify({
        bench: 'cl',
        metric: `split-mnist-online/${name}/run_ms`,
        value: round(mneme.ms),
        unit: 'ms',
        ...(torch === undefined ? {} : { ratio: round(mneme.ms / torch.ms, 3), ratio_to: 'pytorch', torch_run_ms: round(torch.ms) }),
        mneme_run_ms: round(mneme.ms),
        mneme_cpu_ms: round(mneme.cpuMs),
        ...(torch === undefined ? {} : { torch_cpu_ms: round(torch.cpuMs), cpu_ratio: round(mneme.cpuMs / torch.cpuMs, 3) }),
        mneme_acc: round(mneme.acc, 4),
        ...(torch === undefined ? {} : { torch_acc: round(torch.acc, 4) }),
        train_per_experience: perExperience,
        threads: 1,
        reps,
        seed,
        load_1m: round(loadavg()[0]!, 2),
      }),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
