/**
 * End-to-end throughput of the learning loop as a service: Split-MNIST (5,000 samples, ER-MIR at
 * memory 500) streamed by a client over gRPC into the trainer, through the event bus, trained, saved
 * as versions and evaluated by the evaluator, until the accuracy matrix is complete. Measured side by
 * side in one process: the embedded loop (`mneme run`, no services), the services over the in-process
 * bus, and (when a broker answers) the services over Kafka. Prints one JSON object per line,
 * {bench:'stack', metric, value, unit, ratio}; ratio = samples/s / the embedded loop's samples/s.
 *
 * Trainer scale-out (Kafka only): four models streamed at once, each on its own partition, into one
 * and into two trainer processes (`apps/trainer`, as `mneme serve trainer` runs it); ratio = two
 * trainers' samples/s / one trainer's. Then the failover: two trainers, one killed (SIGKILL)
 * mid-stream; the time until each of its models trains again on the other (its first learn step
 * there, read from the survivor's Prometheus counters), with the parts: the Kafka session timeout
 * expiring and the group rebalancing, then the survivor resuming the models.
 *
 * Run: npm run bench:stack [-- --out results/stack-throughput.json] [--only scale-out]
 *   Kafka: MNEME_KAFKA_BROKERS (default 127.0.0.1:19092; `bash tools/kafka/kafka.sh start`).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { benchmarkByName, runBenchmark } from '@mneme/benchmarks';
import { createExecutor, Engine } from '@mneme/engine';
import { DataType, SamplesEvent } from '@mneme/contracts';
import { ALL_EVENT_TOPICS, brokerAnswers, InProcessBus, KafkaBus, silentEventLogger, TEST_BROKERS, type EventBus } from '@mneme/events';
import { jsonLogger } from '@mneme/rpc';
import { ServiceMetrics } from '@mneme/service-runtime';
import { startStack, streamBenchmark, type StreamBenchmarkResult } from '@mneme/stack';
import { modelCounter, startTrainerProcess, type TrainerProcess } from '@mneme/testing';

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const out = argument('--out');
const only = argument('--only');
if (only !== undefined && only !== 'scale-out') throw new Error(`--only takes 'scale-out', got '${only}'`);
const SEED = 0;
const lines: Record<string, unknown>[] = [];
const emit = (line: Record<string, unknown>) => {
  lines.push(line);
  console.log(JSON.stringify(line));
};
const loadAtStart = loadavg();
const executor = createExecutor(await Engine.create());

/** The single-model lines: the embedded loop, then one trainer in this process over each bus. */
async function singleStack() {
  const embeddedStarted = performance.now();
  const embedded = await runBenchmark({ benchmark: benchmarkByName('split-mnist'), strategy: 'mir', seeds: [SEED], executor });
  const embeddedSeconds = (performance.now() - embeddedStarted) / 1000;
  const embeddedRate = 5000 / embeddedSeconds;
  emit({
    bench: 'stack',
    metric: 'embedded_samples_per_s',
    value: +embeddedRate.toFixed(1),
    unit: 'samples/s',
    ratio: 1,
    acc: embedded.acc.mean,
    seconds: +embeddedSeconds.toFixed(2),
  });

  async function throughStack(transport: 'in-process' | 'kafka') {
    const dir = await mkdtemp(join(tmpdir(), 'mneme-bench-stack-'));
    const bus: EventBus =
      transport === 'kafka'
        ? new KafkaBus({ brokers: TEST_BROKERS, topicPrefix: `bench-${randomUUID().slice(0, 8)}.`, logger: silentEventLogger })
        : new InProcessBus({ logger: silentEventLogger });
    if (bus instanceof KafkaBus) await bus.ensureTopics();
    const stack = await startStack({
      services: ['trainer', 'evaluator'],
      dataDir: dir,
      bus,
      executor,
      logger: jsonLogger('bench', 'error'),
      metrics: new ServiceMetrics({ defaultMetrics: false }),
    });
    try {
      const r = await streamBenchmark({ benchmark: 'split-mnist', strategy: 'mir', seed: SEED, trainerAddress: stack.address, executor });
      const rate = r.samples / r.seconds;
      const same = r.matrix.every((row, i) => row.every((a, j) => Math.abs(a - embedded.matrix[0]![i]![j]!) < 1e-6));
      emit({
        bench: 'stack',
        metric: `${transport.replace('-', '_')}_samples_per_s`,
        value: +rate.toFixed(1),
        unit: 'samples/s',
        ratio: +(rate / embeddedRate).toFixed(3),
        ratio_to: 'embedded_samples_per_s',
        acc: r.acc,
        seconds: +r.seconds.toFixed(2),
        matrix_equals_embedded: same,
      });
    } finally {
      await stack.stop();
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    }
  }

  await throughStack('in-process');
  if (await brokerAnswers()) await throughStack('kafka');
  else console.error(`no Kafka broker at ${TEST_BROKERS.join(',')}: the Kafka line is skipped (bash tools/kafka/kafka.sh start)`);
}

const PARTITIONS = 4;
const SEEDS = [0, 1, 2, 3];
const SESSION_TIMEOUT = '10s'; // the trainer StatefulSet's (deploy/kustomize/base/trainer-statefulset.yaml)

/** The partitions a trainer process last logged as its own, and when. */
function lastAssignment(trainer: TrainerProcess): { partitions: number[]; at: number } | undefined {
  const line = trainer
    .logs()
    .split('\n')
    .filter((l) => l.includes('"trainer partitions assigned"'))
    .at(-1);
  if (line === undefined) return undefined;
  const entry = JSON.parse(line) as { partitions: number[]; time: string };
  return { partitions: entry.partitions, at: Date.parse(entry.time) };
}

/** CPU seconds the whole machine spent busy so far (all processes, /proc/stat); NaN elsewhere. */
function machineBusySeconds(): number {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
    return (ticks.reduce((a, b) => a + b, 0) - ticks[3]! - ticks[4]!) / 100; // all but idle and iowait
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

/** A field of /proc/<pid>/<file> ('io': write_bytes; 'status': VmRSS in kB); NaN elsewhere. */
function procField(pid: number | undefined, file: 'io' | 'status', field: string): number {
  try {
    const line = readFileSync(`/proc/${pid}/${file}`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return Number.parseInt(line!.slice(field.length + 1).trim(), 10);
  } catch {
    return Number.NaN;
  }
}

/** Total bytes of the files under `path` (0 when it does not exist). */
function bytesUnder(path: string): number {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((n, name) => n + bytesUnder(join(path, name)), 0);
}

/** What the shared store holds per model after a run: log bytes, one checkpoint, one version. */
function storeSizes(dir: string, models: readonly string[], samples: number) {
  const store = join(dir, 'models-store');
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const folders = (path: string) =>
    readdirSync(path)
      .filter((n) => /^\d+$/.test(n))
      .map((n) => join(path, n));
  const checkpoints = models.flatMap((m) =>
    readdirSync(join(store, m, 'trainer', 'checkpoints')).flatMap((epoch) => folders(join(store, m, 'trainer', 'checkpoints', epoch))),
  );
  const versions = models.flatMap((m) => folders(join(store, m, 'versions')));
  return {
    log_bytes_per_sample: Math.round(models.reduce((n, m) => n + bytesUnder(join(store, m, 'trainer', 'log')), 0) / samples),
    checkpoint_mb: +(mean(checkpoints.map(bytesUnder)) / 2 ** 20).toFixed(2),
    version_mb: +(mean(versions.map(bytesUnder)) / 2 ** 20).toFixed(2),
  };
}

/** Bytes of a Kafka SamplesEvent per sample, for Split-MNIST rows (784 float32) sent 100 per Ingest as streamBenchmark sends them. */
function kafkaBytesPerSample(): number {
  const samples = Array.from({ length: 100 }, (_, i) => ({
    sample: {
      sampleId: `train-0-${10_000 + i}`,
      input: {
        kind: { $case: 'features' as const, value: { dtype: DataType.DATA_TYPE_FLOAT32, shape: [784], data: new Uint8Array(784 * 4) } },
      },
      label: '7',
      metadata: {},
    },
    experience: { modelId: 'split-mnist-mir-0-0', experienceIndex: 3 },
  }));
  const event = {
    header: { eventId: randomUUID(), schemaVersion: 1, producer: 'trainer', modelId: 'split-mnist-mir-0-0', tenant: '' },
    samples,
  };
  return SamplesEvent.encode(event).finish().byteLength / samples.length;
}

async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 120_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Four models (one partition each) streamed at once into `count` trainer processes over Kafka.
 * With `kill`, the second trainer is killed (SIGKILL) once it trained 1,000 samples of a model.
 */
async function scaleOut(count: 1 | 2, kill: boolean) {
  const dir = await mkdtemp(join(tmpdir(), 'mneme-bench-scale-'));
  const prefix = `bench-${randomUUID().slice(0, 8)}.`;
  const bus = new KafkaBus({ brokers: TEST_BROKERS, topicPrefix: prefix, logger: silentEventLogger });
  await bus.ensureTopics(ALL_EVENT_TOPICS, { partitions: PARTITIONS });
  const taken = new Set<number>();
  const models = SEEDS.map((seed) => {
    for (let i = 0; ; i++) {
      const modelId = `split-mnist-mir-${seed}-${i}`;
      const partition = KafkaBus.partitionOf(modelId, PARTITIONS);
      if (!taken.has(partition)) {
        taken.add(partition);
        return { seed, modelId, partition };
      }
    }
  });
  const evaluator = await startStack({
    services: ['evaluator'],
    dataDir: dir,
    bus,
    executor,
    logger: jsonLogger('bench', 'error'),
    metrics: new ServiceMetrics({ defaultMetrics: false }),
  });
  const env = {
    MNEME_KAFKA_BROKERS: TEST_BROKERS.join(','),
    MNEME_KAFKA_TOPIC_PREFIX: prefix,
    MNEME_KAFKA_SESSION_TIMEOUT: SESSION_TIMEOUT,
    MNEME_DATA_DIR: dir,
    MNEME_DEVICE: 'cpu',
    MNEME_LOG_LEVEL: 'info',
  };
  const trainers: TrainerProcess[] = [];
  try {
    for (let i = 0; i < count; i++) trainers.push(await startTrainerProcess(env));
    await until('the trainers to share the partitions', () =>
      trainers.every((t) => lastAssignment(t)?.partitions.length === PARTITIONS / count),
    );
    const survivor = trainers[0]!;
    const doomed = kill ? trainers[1] : undefined;
    const doomedModels = doomed === undefined ? [] : models.filter((m) => lastAssignment(doomed)!.partitions.includes(m.partition));
    const started = performance.now();
    const cpuAtStart = process.cpuUsage();
    const machineAtStart = machineBusySeconds();
    const trainerCpuAtStart = trainers.map((t) => cpuSeconds(t.child.pid));
    const writtenAtStart = trainers.map((t) => procField(t.child.pid, 'io', 'write_bytes'));
    const rssAtStart = trainers.map((t) => procField(t.child.pid, 'status', 'VmRSS'));
    const ends: number[] = [];
    // Ingests spread over the trainers (a Service would); all through the survivor when one dies.
    const runs = models.map((m, i) =>
      streamBenchmark({
        benchmark: 'split-mnist',
        strategy: 'mir',
        seed: m.seed,
        modelId: m.modelId,
        trainerAddress: (kill ? survivor : trainers[i % count]!).address,
        evaluatorAddress: evaluator.address,
        executor,
        timeoutMs: 600_000,
      }).then((r) => {
        ends.push(performance.now());
        return r;
      }),
    );
    for (const r of runs) r.catch(() => undefined);
    let failover: Record<string, unknown> | undefined;
    if (doomed !== undefined) {
      await until(
        'the doomed trainer to train 1000 samples of a model',
        async () => {
          const counts = await Promise.all(
            doomedModels.map((m) => modelCounter(doomed.metricsPort, 'mneme_samples_trained_total', m.modelId)),
          );
          return counts.some((n) => n >= 1000);
        },
        300_000,
        50,
      );
      const before = await Promise.all(doomedModels.map((m) => modelCounter(doomed.metricsPort, 'mneme_samples_trained_total', m.modelId)));
      const killedAt = Date.now();
      await doomed.stop('SIGKILL');
      // The first learn step of each of its models on the survivor (which never trained them before).
      const resumed = new Map<string, number>();
      await until(
        'its models to train on the survivor',
        async () => {
          for (const m of doomedModels) {
            if (!resumed.has(m.modelId) && (await modelCounter(survivor.metricsPort, 'mneme_samples_trained_total', m.modelId)) > 0)
              resumed.set(m.modelId, Date.now());
          }
          return resumed.size === doomedModels.length;
        },
        120_000,
        20,
      );
      const rebalancedAt = lastAssignment(survivor)!.at;
      const last = Math.max(...resumed.values());
      failover = {
        failover_s: +((last - killedAt) / 1000).toFixed(2),
        rebalanced_after_s: +((rebalancedAt - killedAt) / 1000).toFixed(2),
        resumed_after_rebalance_s: +((last - rebalancedAt) / 1000).toFixed(2),
        per_model_s: Object.fromEntries([...resumed].map(([id, at]) => [id, +((at - killedAt) / 1000).toFixed(2)])),
        trained_before_kill: before,
      };
    }
    const results: StreamBenchmarkResult[] = await Promise.all(runs);
    const seconds = (Math.max(...ends) - started) / 1000;
    const samples = results.reduce((n, r) => n + r.samples, 0);
    // Where the CPU, the memory and the store's writes went: each trainer process (the disk bytes
    // it caused: log segments, checkpoints, versions), and this process (four clients, the evaluator).
    const used = process.cpuUsage(cpuAtStart);
    const live = kill ? [survivor] : trainers;
    const cpu = {
      trainer_cpu_s: trainers.map((t, i) => +(cpuSeconds(t.child.pid) - trainerCpuAtStart[i]!).toFixed(1)),
      client_and_evaluator_cpu_s: +((used.user + used.system) / 1e6).toFixed(1),
      // Everything else busy meanwhile: the Kafka broker, and whatever else ran on the machine.
      machine_busy_cpu_s: +(machineBusySeconds() - machineAtStart).toFixed(1),
      store_write_bytes_per_sample: Math.round(
        live.reduce((n, t) => n + procField(t.child.pid, 'io', 'write_bytes') - writtenAtStart[trainers.indexOf(t)]!, 0) / samples,
      ),
      trainer_rss_mb_idle: rssAtStart.map((kb) => Math.round(kb / 1024)),
      trainer_rss_mb: live.map((t) => Math.round(procField(t.child.pid, 'status', 'VmRSS') / 1024)),
      assignments: trainers.map(
        (t) =>
          t
            .logs()
            .split('\n')
            .filter((l) => l.includes('"trainer partitions assigned"')).length,
      ),
    };
    return {
      rate: samples / seconds,
      seconds,
      samples,
      results,
      failover,
      models,
      cpu: {
        ...cpu,
        ...storeSizes(
          dir,
          models.map((m) => m.modelId),
          samples,
        ),
      },
    };
  } finally {
    await Promise.all(trainers.map((t) => t.stop('SIGTERM')));
    await evaluator.stop();
    await bus.deleteTopics(ALL_EVENT_TOPICS).catch(() => undefined);
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function scaleOutLines() {
  // Each model's uninterrupted embedded run, to check every streamed matrix against.
  const embedded = new Map<number, number[][]>();
  for (const seed of SEEDS)
    embedded.set(
      seed,
      (await runBenchmark({ benchmark: benchmarkByName('split-mnist'), strategy: 'mir', seeds: [seed], executor })).matrix[0]!,
    );
  const same = (r: Awaited<ReturnType<typeof scaleOut>>) =>
    r.results.every((res, i) =>
      res.matrix.every((row, a) => row.every((v, b) => Math.abs(v - embedded.get(r.models[i]!.seed)![a]![b]!) < 1e-6)),
    );
  const one = await scaleOut(1, false);
  const base = 'kafka_1_trainer_4_models_samples_per_s';
  emit({
    bench: 'stack',
    metric: base,
    value: +one.rate.toFixed(1),
    unit: 'samples/s',
    ratio: 1,
    ratio_to: base,
    seconds: +one.seconds.toFixed(2),
    samples: one.samples,
    matrices_equal_embedded: same(one),
    ...one.cpu,
  });
  const two = await scaleOut(2, false);
  emit({
    bench: 'stack',
    metric: 'kafka_2_trainers_4_models_samples_per_s',
    value: +two.rate.toFixed(1),
    unit: 'samples/s',
    ratio: +(two.rate / one.rate).toFixed(3),
    ratio_to: base,
    seconds: +two.seconds.toFixed(2),
    samples: two.samples,
    matrices_equal_embedded: same(two),
    ...two.cpu,
  });
  const killed = await scaleOut(2, true);
  const f = killed.failover!;
  emit({
    bench: 'stack',
    metric: 'trainer_failover_s',
    value: f['failover_s'],
    unit: 's',
    ratio: +((f['failover_s'] as number) / 10).toFixed(3),
    ratio_to: 'kafka_session_timeout_s',
    kafka_session_timeout_s: 10,
    ...f,
    samples_per_s_with_kill: +killed.rate.toFixed(1),
    matrices_equal_embedded: same(killed),
  });
  emit({
    bench: 'stack',
    metric: 'kafka_samples_event_bytes_per_sample',
    value: Math.round(kafkaBytesPerSample()),
    unit: 'B',
    ratio: 1,
    ratio_to: 'kafka_samples_event_bytes_per_sample',
    note: 'Split-MNIST row (784 float32), 100 samples per event',
  });
}

if (only !== 'scale-out') await singleStack();
if (await brokerAnswers()) await scaleOutLines();
else
  console.error(`no Kafka broker at ${TEST_BROKERS.join(',')}: the trainer scale-out lines are skipped (bash tools/kafka/kafka.sh start)`);

if (out !== undefined) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ command: `npm run bench:stack -- --out ${out}${only === undefined ? '' : ` --only ${only}`}`, machine: '2-core x86-64, 24 GiB, no GPU', load_average_at_start: loadAtStart.map((l) => +l.toFixed(2)), lines }, null, 2)}\n`,
  );
}
process.exit(0);
