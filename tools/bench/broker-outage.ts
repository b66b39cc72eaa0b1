/**
 * Fault probe: the Kafka broker stops (for 30 s by default) while two clients ingest into the
 * trainer (services over Kafka, in this process); see `runBrokerOutage`. A private broker (own
 * port and data) is started for it, so a shared test broker is never touched. Prints one JSON
 * object per line: failed calls by status, how long a failing call took, the time from the
 * restart to the first acknowledged Ingest, and samples lost and trained twice (both must be 0).
 *
 * Run: npm run bench:outage [-- --outage-s 30]
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createExecutor, Engine } from '@mneme/engine';
import { runBrokerOutage } from '@mneme/stack';

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const OUTAGE_S = Number(argument('--outage-s') ?? 30);
if (!(OUTAGE_S > 0)) throw new Error(`--outage-s takes a positive number of seconds, got '${argument('--outage-s')}'`);
const PORT = 19292;
const ROOT = resolve(import.meta.dirname, '../..');
const env = {
  ...process.env,
  MNEME_KAFKA_HOME: join(ROOT, '.mneme/kafka-outage-probe'),
  MNEME_KAFKA_PORT: String(PORT),
  MNEME_KAFKA_CONTROLLER_PORT: String(PORT + 1),
  MNEME_KAFKA_SASL_PORT: String(PORT + 2),
};
const broker = (command: 'start' | 'stop' | 'reset') =>
  void execFileSync('bash', [join(ROOT, 'tools/kafka/kafka.sh'), command], { env, stdio: 'ignore' });
const emit = (metric: string, value: number, unit: string, extra: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ bench: 'broker-outage', metric, value, unit, ...extra }));

broker('reset');
broker('start');
try {
  const r = await runBrokerOutage({
    broker: `127.0.0.1:${PORT}`,
    stopBroker: () => broker('stop'),
    startBroker: () => broker('start'),
    outageMs: OUTAGE_S * 1000,
    executor: createExecutor(await Engine.create()),
  });
  emit('outage', OUTAGE_S, 's');
  for (const [status, count] of Object.entries(r.failures)) emit('ingest_failures', count, 'calls', { status });
  emit('failing_call_p50', Math.round(r.failureMs[Math.floor(r.failureMs.length / 2)] ?? 0), 'ms');
  emit('recovery_after_restart', +r.recoverySeconds.toFixed(2), 's');
  emit('samples_sent', r.sent, 'samples');
  emit('samples_lost', Math.max(0, r.sent - r.trained), 'samples');
  emit('samples_trained_twice', Math.max(0, r.trained - r.sent), 'samples');
} finally {
  broker('reset');
}
