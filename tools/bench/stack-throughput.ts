/**
 * End-to-end throughput of the learning loop as a service: Split-MNIST (5,000 samples, ER-MIR at
 * memory 500) streamed by a client over gRPC into the trainer, through the event bus, trained, saved
 * as versions and evaluated by the evaluator, until the accuracy matrix is complete. Measured side by
 * side in one process: the embedded loop (`mneme run`, no services), the services over the in-process
 * bus, and (when a broker answers) the services over Kafka. Prints one JSON object per line,
 * {bench:'stack', metric, value, unit, ratio}; ratio = samples/s / the embedded loop's samples/s.
 *
 * Run: npm run bench:stack [-- --out results/stack-throughput.json]
 *   Kafka: MNEME_KAFKA_BROKERS (default 127.0.0.1:19092; `bash tools/kafka/kafka.sh start`).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { benchmarkByName, runBenchmark } from '@mneme/benchmarks';
import { createExecutor, Engine } from '@mneme/engine';
import { brokerAnswers, InProcessBus, KafkaBus, silentEventLogger, TEST_BROKERS, type EventBus } from '@mneme/events';
import { jsonLogger } from '@mneme/rpc';
import { ServiceMetrics, startStack, streamBenchmark } from '@mneme/services';

const outIndex = process.argv.indexOf('--out');
const out = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
const SEED = 0;
const lines: Record<string, unknown>[] = [];
const emit = (line: Record<string, unknown>) => {
  lines.push(line);
  console.log(JSON.stringify(line));
};
const loadAtStart = loadavg();
const executor = createExecutor(await Engine.create());

const embeddedStarted = performance.now();
const embedded = await runBenchmark({ benchmark: benchmarkByName('split-mnist'), strategy: 'mir', seeds: [SEED], executor });
const embeddedSeconds = (performance.now() - embeddedStarted) / 1000;
const embeddedRate = 5000 / embeddedSeconds;
emit({ bench: 'stack', metric: 'embedded_samples_per_s', value: +embeddedRate.toFixed(1), unit: 'samples/s', ratio: 1, acc: embedded.acc.mean, seconds: +embeddedSeconds.toFixed(2) });

async function throughStack(transport: 'in-process' | 'kafka') {
  const dir = await mkdtemp(join(tmpdir(), 'mneme-bench-stack-'));
  const bus: EventBus =
    transport === 'kafka' ? new KafkaBus({ brokers: TEST_BROKERS, topicPrefix: `bench-${randomUUID().slice(0, 8)}.`, logger: silentEventLogger }) : new InProcessBus({ logger: silentEventLogger });
  if (bus instanceof KafkaBus) await bus.ensureTopics();
  const stack = await startStack({ services: ['trainer', 'evaluator'], dataDir: dir, bus, executor, logger: jsonLogger('bench', 'error'), metrics: new ServiceMetrics({ defaultMetrics: false }) });
  try {
    const r = await streamBenchmark({ benchmark: 'split-mnist', strategy: 'mir', seed: SEED, trainerAddress: stack.address, executor });
    const rate = r.samples / r.seconds;
    const same = r.matrix.every((row, i) => row.every((a, j) => Math.abs(a - embedded.matrix[0]![i]![j]!) < 1e-6));
    emit({ bench: 'stack', metric: `${transport.replace('-', '_')}_samples_per_s`, value: +rate.toFixed(1), unit: 'samples/s', ratio: +(rate / embeddedRate).toFixed(3), ratio_to: 'embedded_samples_per_s', acc: r.acc, seconds: +r.seconds.toFixed(2), matrix_equals_embedded: same });
  } finally {
    await stack.stop();
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await throughStack('in-process');
if (await brokerAnswers()) await throughStack('kafka');
else console.error(`no Kafka broker at ${TEST_BROKERS.join(',')}: the Kafka line is skipped (bash tools/kafka/kafka.sh start)`);

if (out !== undefined) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ command: 'npm run bench:stack -- --out ' + out, machine: '2-core x86-64, 24 GiB, no GPU', load_average_at_start: loadAtStart.map((l) => +l.toFixed(2)), lines }, null, 2)}\n`);
}
process.exit(0);
