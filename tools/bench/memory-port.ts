/**
 * `npm run bench:memory`: what the memory port costs a training step. ER-MIR (defaults: memory 500,
 * C 50, k 10; MLP 784-400-400-10, SGD 0.1, batches of 10) learns the Split-MNIST online stream
 * three ways, in rotating order, several rounds:
 * - `in_process`: the memory port of `mneme run` (nothing replicated);
 * - `grpc_embedded`: the trainer's port, every change replicated over gRPC to a replay-memory
 *   service hosted in this same process (the `mneme up` shape: the service's work shares the thread);
 * - `grpc_process`: the same, to a replay-memory service in its own process (the deployed shape).
 * A run's figure is wall time per step over experiences 2–5 (the first fills the memory and
 * compiles the graphs), up to the moment the service holds what the strategy holds (the final
 * `settled()` is inside the timed span), so the replication's whole cost is counted.
 * Prints JSON lines: mir_step_ms per mode (median of the rounds) with its ratio to in_process
 * (goal ≤ 1.25), the process CPU per step, and the replay-memory process's write throughput
 * (AddSamples per second from 32 concurrent replica writers; the capacity plan's figure).
 *
 * Env: MNEME_BENCH_SEED (default 0), MNEME_BENCH_ROUNDS (default 3), MNEME_BENCH_THREADS (ORT
 * intra-op threads, default 1).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MemoryPolicy, ReplayMemoryServiceClient } from '@mneme/contracts';
import { classIncremental, holdoutSplit, imageDataset, loadMnist, MNIST_CLASS_NAMES, onlineStream } from '@mneme/data';
import { createExecutor, Engine } from '@mneme/engine';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import { mir, type LabelledBatch, type MemoryPort, type StrategyContext } from '@mneme/methods';
import { createClient, unary, type Logger } from '@mneme/rpc';
import { createReplayMemoryService } from '@mneme/replay-memory';
import { hostServices, ServiceMetrics } from '@mneme/service-runtime';
import { tensor } from '@mneme/tensor';
import { freePort } from '@mneme/testing';
import { remoteMemoryPort, type MemoryReplication } from '@mneme/trainer';
import { toWire } from '@mneme/wire';

const seed = Number(process.env['MNEME_BENCH_SEED'] ?? 0);
const rounds = Number(process.env['MNEME_BENCH_ROUNDS'] ?? 3);
const threads = Number(process.env['MNEME_BENCH_THREADS'] ?? 1);
const GOAL = 1.25;
const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const set = await loadMnist();
const dataset = imageDataset('mnist', set, holdoutSplit(set.labels, { test: 2000, seed }));
const scenario = classIncremental(dataset, { seed, experiences: 5, classOrder: MNIST_CLASS_NAMES, trainPerExperience: 1000 });
const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: threads, allowSpinning: false }));

// The embedded service: in this process, on its own gRPC server.
const dataDir = await mkdtemp(join(tmpdir(), 'mneme-bench-memory-'));
const metrics = new ServiceMetrics({ defaultMetrics: false });
const bus = new InProcessBus({ logger: silentEventLogger });
const embedded = await hostServices({
  modules: [await createReplayMemoryService({ dataDir: join(dataDir, 'embedded'), bus, executor, metrics, logger: quiet })],
  metrics,
  logger: quiet,
});
// The deployed shape: the replay-memory app in its own process.
const port = await freePort();
const child = spawn(process.execPath, ['--conditions=@mneme/source', '--import', 'tsx', 'apps/replay-memory/src/main.ts'], {
  cwd: resolve(import.meta.dirname, '../..'),
  env: {
    ...process.env,
    MNEME_GRPC_PORT: String(port),
    MNEME_METRICS_PORT: String(await freePort()),
    MNEME_DATA_DIR: join(dataDir, 'process'),
    MNEME_LOG_LEVEL: 'error',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const processAddress = `127.0.0.1:${port}`;
await waitServing(processAddress);

type Mode = 'in_process' | 'grpc_embedded' | 'grpc_process';
const MODES: readonly Mode[] = ['in_process', 'grpc_embedded', 'grpc_process'];
const results: Record<Mode, { ms: number[]; cpu: number[] }> = {
  in_process: { ms: [], cpu: [] },
  grpc_embedded: { ms: [], cpu: [] },
  grpc_process: { ms: [], cpu: [] },
};

let run = 0;
for (let round = 0; round < rounds; round++) {
  // Rotate the order so drift in machine load does not favour one mode.
  for (let m = 0; m < MODES.length; m++) {
    const mode = MODES[(m + round) % MODES.length]!;
    const { ms, cpu } = await runOnce(mode, `bench-${run++}`);
    results[mode].ms.push(ms);
    results[mode].cpu.push(cpu);
    process.stderr.write(`round ${round + 1}/${rounds} ${mode}: ${ms.toFixed(3)} ms/step\n`);
  }
}

const service = await serviceThroughput(processAddress);

child.kill('SIGTERM');
await embedded.stop();
await rm(dataDir, { recursive: true, force: true });

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round3 = (x: number) => Number(x.toFixed(3));
const base = median(results.in_process.ms);
const baseCpu = median(results.in_process.cpu);
const common = { rounds, threads, seed, load_1m: round3(loadavg()[0]!) };
for (const mode of MODES) {
  const ms = median(results[mode].ms);
  const cpu = median(results[mode].cpu);
  console.log(
    JSON.stringify({
      bench: 'memory',
      metric: `mir_step_ms_${mode}`,
      value: round3(ms),
      unit: 'ms',
      ratio: round3(ms / base),
      ratio_to: 'mir_step_ms_in_process',
      cpu_ms: round3(cpu),
      cpu_ratio: round3(cpu / baseCpu),
      ...common,
    }),
  );
}
console.log(
  JSON.stringify({
    bench: 'memory',
    metric: 'replay_memory_add_requests_per_s',
    value: Math.round(service.requestsPerSecond),
    unit: 'requests/s',
    ratio: 1,
    ratio_to: 'replay_memory_add_requests_per_s',
    writers: service.writers,
    ...common,
  }),
);
for (const mode of ['grpc_embedded', 'grpc_process'] as const) {
  const ratio = median(results[mode].ms) / base;
  console.log(
    JSON.stringify({
      bench: 'memory',
      metric: `mir_grpc_over_in_process_${mode.slice(5)}`,
      value: round3(ratio),
      unit: 'x',
      ratio: round3(ratio / GOAL),
      ratio_to: `goal-${GOAL}`,
      ...common,
    }),
  );
}

/**
 * The replay-memory process's write throughput: WRITERS replica memories (one per model, capacity
 * 500) written at once, each request one new 784-float sample plus one removal once full (a trainer's
 * steady state after its linger), for THROUGHPUT_SECONDS. Every request is journalled and fsynced.
 */
async function serviceThroughput(address: string): Promise<{ requestsPerSecond: number; writers: number }> {
  const WRITERS = 32;
  const THROUGHPUT_SECONDS = 5;
  const client = createClient(ReplayMemoryServiceClient, address);
  const row = toWire(
    tensor(
      'float32',
      [784],
      Float32Array.from({ length: 784 }, (_, i) => (i % 17) / 17),
    ),
  );
  const sample = (model: number, i: number) => ({
    sample: {
      sampleId: `w${model}-${i}`,
      label: String(i % 10),
      metadata: {},
      input: { kind: { $case: 'features' as const, value: row } },
    },
    experienceIndex: 0,
    features: undefined,
  });
  let requests = 0;
  const deadline = { at: 0 };
  const writer = async (model: number) => {
    const modelId = `throughput-${model}`;
    await unary(client.createMemory.bind(client), {
      modelId,
      capacity: 500,
      policy: MemoryPolicy.MEMORY_POLICY_REPLICA,
      seed: 1,
      replace: true,
      writerEpoch: 1,
    });
    for (let i = 0; Date.now() < deadline.at; i++) {
      await unary(client.addSamples.bind(client), {
        modelId,
        samples: [sample(model, i)],
        removeIds: i >= 500 ? [`w${model}-${i - 500}`] : [],
        writerEpoch: 1,
      });
      requests++;
    }
  };
  deadline.at = Date.now() + THROUGHPUT_SECONDS * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: WRITERS }, (_, m) => writer(m)));
  const seconds = (performance.now() - started) / 1000;
  client.close();
  process.stderr.write(`replay-memory process: ${requests} AddSamples in ${seconds.toFixed(1)} s from ${WRITERS} writers\n`);
  return { requestsPerSecond: requests / seconds, writers: WRITERS };
}

/** One pass over the stream with the memory bound as `mode`; wall and CPU ms per timed step. */
async function runOnce(mode: Mode, modelId: string): Promise<{ ms: number; cpu: number }> {
  let port: MemoryPort | undefined;
  let replication: MemoryReplication | undefined;
  if (mode !== 'in_process') {
    const address = mode === 'grpc_embedded' ? embedded.address : processAddress;
    ({ port, replication } = remoteMemoryPort({
      address: () => address,
      modelId,
      labels: () => MNIST_CLASS_NAMES,
      sampleIdAt: (p) => `s${p}`,
      seed,
      logger: quiet,
    }));
  }
  const ctx: StrategyContext = {
    executor,
    classifier: { inputSize: 784, hidden: [400, 400], classes: 10 },
    optimizer: { kind: 'sgd' },
    learningRate: 0.1,
    batchSize: 10,
    epochs: 1,
    seed,
    options: {},
    ...(port === undefined ? {} : { memory: port }),
  };
  const strategy = mir(ctx);
  let steps = 0;
  let started = 0;
  let cpuStarted: NodeJS.CpuUsage | undefined;
  for (const e of scenario.experiences) {
    const info = { index: e.index, classes: e.classes };
    await strategy.beginExperience(info);
    if (e.index === 1) {
      await replication?.settled();
      started = performance.now();
      cpuStarted = process.cpuUsage();
    }
    for (const b of onlineStream(e.train, { batchSize: 10 })) {
      const batch: LabelledBatch = { features: b.inputs, labels: b.labels, ids: b.indices, experience: e.index };
      await strategy.learn(batch);
      if (e.index > 0) steps++;
    }
    await strategy.endExperience(info);
  }
  await replication?.settled();
  const ms = (performance.now() - started) / steps;
  const used = process.cpuUsage(cpuStarted);
  await replication?.close();
  return { ms, cpu: (used.user + used.system) / 1000 / steps };
}

async function waitServing(address: string): Promise<void> {
  const client = createClient(ReplayMemoryServiceClient, address);
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      const up = await unary(client.describeMemory.bind(client), { modelId: 'probe' }, { timeoutMs: 1000 }).then(
        () => true,
        (err: { kind?: string }) => err.kind === 'not-found',
      );
      if (up) return;
      if (Date.now() > deadline) throw new Error('the replay-memory process did not start within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    client.close();
  }
}
