/**
 * Encoder serving: Embed of one short text (all-MiniLM-L6-v2, mean pooling, normalised) per request
 * at 1, 8 and 64 concurrent callers, over gRPC on loopback against in-process calls of the same
 * handler (same dynamic batcher, same model; no gRPC). Each caller sends its next request when the
 * previous one answered (closed loop). Prints one JSON object per line,
 * {bench:'encoder-serving', metric, value, unit, ratio}: for `grpc_*` lines ratio = gRPC value /
 * in-process value at the same concurrency; `inprocess_*` lines are the baseline (ratio 1). Also
 * reports the mean inputs per forward pass (what dynamic batching achieved).
 *
 * Run: npm run bench:serving [-- --out results/encoder-serving.json]
 *   (= node --conditions=@mneme/source --import tsx tools/bench/encoder-serving.ts)
 * Env: MNEME_BENCH_SERVING_SECONDS (measured seconds per point, default 8), MNEME_BENCH_THREADS
 * (ONNX Runtime intra-op threads, default 2). Needs `npx mneme import-model` (.mneme/models).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EncoderServiceClient, Pooling, type EmbedRequest } from '@mneme/contracts';
import { createExecutor, Engine } from '@mneme/engine';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import type { Executor } from '@mneme/execution';
import { createClient, unary, type Logger } from '@mneme/rpc';
import { createEncoderService } from '@mneme/encoder';
import { hostServices, ServiceMetrics } from '@mneme/service-runtime';

const CONCURRENCY = [1, 8, 64];
const seconds = Number(process.env['MNEME_BENCH_SERVING_SECONDS'] ?? 8);
const threads = Number(process.env['MNEME_BENCH_THREADS'] ?? 2);
const outIndex = process.argv.indexOf('--out');
const out = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
const modelsDir = resolve(import.meta.dirname, '../../.mneme/models');
if (!existsSync(join(modelsDir, 'all-MiniLM-L6-v2', 'mneme-model.json'))) {
  console.error(`all-MiniLM-L6-v2 is not in ${modelsDir}: run \`npx mneme import-model\` first`);
  process.exit(1);
}

interface Line {
  bench: 'encoder-serving';
  metric: string;
  value: number;
  unit: string;
  ratio: number;
}
const lines: Line[] = [];
const print = (line: Line) => {
  lines.push(line);
  console.log(JSON.stringify(line));
};
const round = (x: number, digits = 4) => Number(x.toPrecision(digits));
const loadAtStart = loadavg().map((x) => round(x, 3));

/** Short, varied sentences (8-16 tokens), like intent-classification queries. */
const SUBJECTS = ['my card', 'the transfer', 'this order', 'our flight', 'the invoice', 'your app', 'a refund', 'the account'];
const VERBS = ['was declined', 'has not arrived', 'shows the wrong amount', 'got cancelled', 'needs to be changed', 'keeps failing'];
const TAILS = ['again today', 'since last week', 'when I travel abroad', 'after the update', 'for no reason', 'this morning'];
const sentence = (i: number) =>
  `${SUBJECTS[i % SUBJECTS.length]} ${VERBS[(i * 7) % VERBS.length]} ${TAILS[(i * 5) % TAILS.length]}, what should I do?`;
const request = (i: number): EmbedRequest => ({
  inputs: [{ kind: { $case: 'text', value: sentence(i) } }],
  pooling: Pooling.POOLING_MEAN,
  unnormalized: false,
});

/** Counts forward runs, so inputs per forward pass can be reported. */
function counting(real: Executor): Executor & { forwards: number } {
  const c = {
    forwards: 0,
    device: real.device,
    forward: (...args: Parameters<Executor['forward']>) => {
      c.forwards++;
      return real.forward(...args);
    },
    lossAndGradients: (...args: Parameters<Executor['lossAndGradients']>) => real.lossAndGradients(...args),
    trainStep: (...args: Parameters<Executor['trainStep']>) => real.trainStep(...args),
    ...(real.virtualStep === undefined ? {} : { virtualStep: real.virtualStep.bind(real) }),
  };
  return c;
}

/** `callers` closed-loop callers for `ms`: requests per second and latency percentiles. */
async function drive(
  call: (i: number) => Promise<unknown>,
  callers: number,
  ms: number,
): Promise<{ rps: number; p50: number; p99: number; requests: number }> {
  const latencies: number[] = [];
  const end = performance.now() + ms;
  let next = 0;
  const caller = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await call(next++);
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: callers }, caller));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), requests: latencies.length };
}

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m, f) => console.error(m, f) };
const dataDir = await mkdtemp(join(tmpdir(), 'mneme-bench-serving-'));
const engine = await Engine.create({ device: 'cpu', intraOpNumThreads: threads, allowSpinning: false });
const executor = counting(createExecutor(engine));
const metrics = new ServiceMetrics({ defaultMetrics: false });
const bus = new InProcessBus({ logger: silentEventLogger });
const deps = { dataDir, bus, executor, metrics, logger: quiet };
const encoder = await createEncoderService(deps, {
  modelsDir,
  executionProvider: { provider: engine.device.provider, reason: engine.device.reason },
});
const host = await hostServices({ modules: [encoder], metrics, logger: quiet });
const client = createClient(EncoderServiceClient, host.address);
const viaGrpc = (i: number) => unary(client.embed.bind(client), request(i));
const inProcess = (i: number) => encoder.handlers.embed(request(i));

try {
  for (const callers of CONCURRENCY) {
    // Warm-up: sessions are compiled per batch shape (about 0.5 s each); do it before timing.
    await drive(inProcess, callers, 3_000);
    await drive(viaGrpc, callers, 1_000);
    const measure = async (call: (i: number) => Promise<unknown>) => {
      const before = executor.forwards;
      const r = await drive(call, callers, seconds * 1000);
      // Two forward runs per batch: token embeddings, then the encoder.
      return { ...r, perPass: r.requests / ((executor.forwards - before) / 2) };
    };
    const local = await measure(inProcess);
    const grpc = await measure(viaGrpc);
    const emit = (metric: string, unit: string, g: number, l: number) => {
      print({ bench: 'encoder-serving', metric: `inprocess_${metric}@c${callers}`, value: round(l), unit, ratio: 1 });
      print({ bench: 'encoder-serving', metric: `grpc_${metric}@c${callers}`, value: round(g), unit, ratio: round(g / l, 3) });
    };
    emit('requests_per_s', 'req/s', grpc.rps, local.rps);
    emit('latency_p50', 'ms', grpc.p50, local.p50);
    emit('latency_p99', 'ms', grpc.p99, local.p99);
    emit('inputs_per_forward_pass', 'inputs', grpc.perPass, local.perPass);
  }
} finally {
  client.close();
  await host.stop();
  await bus.close();
  await rm(dataDir, { recursive: true, force: true });
}

if (out !== undefined) {
  mkdirSync(dirname(out), { recursive: true });
  const result = {
    command: `npm run bench:serving -- --out ${out}`,
    machine: '2-core x86-64, 24 GiB, no GPU',
    load_average_at_start: loadAtStart,
    settings: {
      measured_seconds_per_point: seconds,
      ort_intra_op_threads: threads,
      allow_spinning: false,
      max_batch: 64,
      max_delay_ms: 2,
      text: 'one sentence of 14-20 tokens per request',
      grpc: 'one channel on 127.0.0.1, callers share it',
    },
    lines,
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
}
