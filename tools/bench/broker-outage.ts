/**
 * Fault probe: the Kafka broker stops for 30 s while clients ingest into the trainer (services over
 * Kafka, in this process). A private broker (own port and data, `tools/kafka/kafka.sh` with
 * MNEME_KAFKA_HOME) is started for it, so the shared test broker is never touched. Measures what
 * Ingest answers during the outage (by status, and how long a failing call takes), the time from
 * the broker's restart to the first acknowledged Ingest, and, after clients re-send what failed,
 * samples lost and trained twice (both must be 0). Prints one JSON object per line.
 *
 * Run: npm run bench:outage [-- --outage-s 30]
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, MnemeError } from '@mneme/client';
import { createExecutor, Engine } from '@mneme/engine';
import { KafkaBus, silentEventLogger } from '@mneme/events';
import { jsonLogger } from '@mneme/rpc';
import { ServiceMetrics } from '@mneme/service-runtime';
import { startStack } from '@mneme/stack';

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const OUTAGE_S = Number(argument('--outage-s') ?? 30);
const PORT = 19192;
const ROOT = resolve(import.meta.dirname, '../..');
const brokerEnv = { ...process.env, MNEME_KAFKA_HOME: join(ROOT, '.mneme/kafka-outage'), MNEME_KAFKA_PORT: String(PORT), MNEME_KAFKA_CONTROLLER_PORT: String(PORT + 1) };
const broker = (command: 'start' | 'stop' | 'reset') => execFileSync('bash', [join(ROOT, 'tools/kafka/kafka.sh'), command], { env: brokerEnv, stdio: 'ignore' });
const emit = (metric: string, value: number, unit: string, extra: Record<string, unknown> = {}) => console.log(JSON.stringify({ bench: 'broker-outage', metric, value, unit, ...extra }));

broker('reset');
broker('start');
const dir = await mkdtemp(join(tmpdir(), 'mneme-outage-'));
const bus = new KafkaBus({ brokers: [`127.0.0.1:${PORT}`], topicPrefix: 'outage.', logger: silentEventLogger, retry: { initialMs: 100, maxMs: 1000 } });
await bus.ensureTopics();
const executor = createExecutor(await Engine.create());
const stack = await startStack({ services: ['trainer'], dataDir: dir, bus, executor, logger: jsonLogger('outage', 'error'), metrics: new ServiceMetrics({ defaultMetrics: false }) });
const client = await connect(stack.address, { timeoutMs: 15_000 });
await client.createModel({ modelId: 'm', base: 'mlp:2-4', strategy: { name: 'naive', options: { 'batch-size': '5' } }, labels: ['a', 'b'], seed: 1 });

type Phase = 'before' | 'outage' | 'after';
let phase: Phase = 'before';
let restartedAt = 0;
let firstAckAfterRestart = 0;
const failures: Record<string, number> = {};
const failureMs: number[] = [];
const acked = new Set<string>();
const failed: string[][] = [];
let stop = false;
const BATCH = 25;
const ingestLoop = async (c: number) => {
  for (let n = 0; !stop; n++) {
    const ids = Array.from({ length: BATCH }, (_, i) => `c${c}-${n}-${i}`);
    const t0 = performance.now();
    const during = phase;
    try {
      await client.ingest('m', ids.map((id, i) => ({ id, label: i % 2 ? 'a' : 'b', features: [i % 5, 1], experience: 0 })));
      for (const id of ids) acked.add(id);
      if (during === 'after' && firstAckAfterRestart === 0) firstAckAfterRestart = performance.now();
    } catch (err) {
      const key = `${during}:${MnemeError.from(err).kind}`;
      failures[key] = (failures[key] ?? 0) + 1;
      if (during === 'outage') failureMs.push(performance.now() - t0);
      failed.push(ids);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
};
const loops = [0, 1].map(ingestLoop);
await new Promise((r) => setTimeout(r, 5_000));
phase = 'outage';
broker('stop');
await new Promise((r) => setTimeout(r, OUTAGE_S * 1000));
broker('start');
restartedAt = performance.now();
phase = 'after';
while (firstAckAfterRestart === 0 && performance.now() - restartedAt < 120_000) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 3_000));
stop = true;
await Promise.all(loops);

// Clients re-send what failed (repeats are dropped), then the experience closes with every id.
for (const ids of failed) {
  const res = await client.ingest('m', ids.map((id, i) => ({ id, label: i % 2 ? 'a' : 'b', features: [i % 5, 1], experience: 0 })));
  for (const id of ids) acked.add(id);
  void res;
}
const sent = acked.size;
await client.closeExperience('m', 0);
let status = await client.trainingStatus('m');
const deadline = Date.now() + 120_000;
while (Date.now() < deadline && status.samplesTrained < sent) {
  await new Promise((r) => setTimeout(r, 200));
  status = await client.trainingStatus('m');
}
failureMs.sort((a, b) => a - b);
emit('outage', OUTAGE_S, 's');
for (const [key, count] of Object.entries(failures)) emit('ingest_failures', count, 'calls', { status: key });
emit('failing_call_p50', failureMs[Math.floor(failureMs.length / 2)] ?? 0, 'ms');
emit('recovery_after_restart', firstAckAfterRestart === 0 ? -1 : (firstAckAfterRestart - restartedAt) / 1000, 's');
emit('samples_sent', sent, 'samples');
emit('samples_lost', Math.max(0, sent - status.samplesTrained), 'samples');
emit('samples_trained_twice', Math.max(0, status.samplesTrained - sent), 'samples');

client.close();
await stack.stop();
await bus.close();
broker('stop');
await rm(dir, { recursive: true, force: true });
