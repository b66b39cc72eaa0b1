import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, MnemeError, type MnemeClient } from '@mneme/client';
import type { Executor } from '@mneme/execution';
import { KafkaBus, silentEventLogger } from '@mneme/events';
import { jsonLogger } from '@mneme/rpc';
import { ServiceMetrics } from '@mneme/service-runtime';
import { startStack, type RunningStack } from './start-stack.js';

/** Options of {@link runBrokerOutage}. */
export interface BrokerOutageOptions {
  /** `host:port` of a broker this run may stop (never a shared one). */
  readonly broker: string;
  /** Stops the broker (resolves once it is down) and starts it again (resolves once it answers). */
  readonly stopBroker: () => void | Promise<void>;
  readonly startBroker: () => void | Promise<void>;
  /** How long the broker stays down, in ms. */
  readonly outageMs: number;
  /** Ingest before the stop, in ms. @default 5000 */
  readonly warmupMs?: number;
  readonly executor: Executor;
}

/** What the clients saw, and what the trainer trained. */
export interface BrokerOutageResult {
  /** Failed Ingest calls by when they started (`before`, `outage`, `after`) and error kind, e.g. `outage:unavailable`. */
  readonly failures: Readonly<Record<string, number>>;
  /** How long each Ingest that failed during the outage took, in ms, sorted. */
  readonly failureMs: readonly number[];
  /** From the broker's restart to the first acknowledged Ingest, in s (-1: none within 2 min). */
  readonly recoverySeconds: number;
  /** Distinct sample ids the clients got acknowledged (after re-sending what failed). */
  readonly sent: number;
  /** Samples the trainer trained once the experience closed. */
  readonly trained: number;
}

const BATCH = 25;
const samplesOf = (ids: readonly string[]) => ids.map((id, i) => ({ id, label: i % 2 ? 'a' : 'b', features: [i % 5, 1], experience: 0 }));

/**
 * Fault run: the trainer (services over Kafka, in this process) takes Ingest calls from two clients
 * while the broker stops for `outageMs` and starts again. Clients re-send what failed (repeats are
 * dropped), then the experience closes; nothing is lost when `trained` equals `sent`.
 */
export async function runBrokerOutage(options: BrokerOutageOptions): Promise<BrokerOutageResult> {
  const dir = await mkdtemp(join(tmpdir(), 'mneme-outage-'));
  const bus = new KafkaBus({
    brokers: [options.broker],
    topicPrefix: 'outage.',
    logger: silentEventLogger,
    retry: { initialMs: 100, maxMs: 1000 },
  });
  let stack: RunningStack | undefined;
  let client: MnemeClient | undefined;
  try {
    await bus.ensureTopics();
    stack = await startStack({
      services: ['trainer'],
      dataDir: dir,
      bus,
      executor: options.executor,
      logger: jsonLogger('outage', 'error'),
      metrics: new ServiceMetrics({ defaultMetrics: false }),
    });
    client = await connect(stack.address, { timeoutMs: 15_000 });
    const c = client;
    await c.createModel({
      modelId: 'm',
      base: 'mlp:2-4',
      strategy: { name: 'naive', options: { 'batch-size': '5' } },
      labels: ['a', 'b'],
      seed: 1,
    });
    let phase: 'before' | 'outage' | 'after' = 'before';
    let restartedAt = 0;
    let firstAckAfterRestart = 0;
    let stop = false;
    const failures: Record<string, number> = {};
    const failureMs: number[] = [];
    const acked = new Set<string>();
    const failed: string[][] = [];
    const ingestLoop = async (k: number) => {
      for (let n = 0; !stop; n++) {
        const ids = Array.from({ length: BATCH }, (_, i) => `c${k}-${n}-${i}`);
        const during = phase;
        const t0 = performance.now();
        try {
          await c.ingest('m', samplesOf(ids));
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
    await new Promise((r) => setTimeout(r, options.warmupMs ?? 5_000));
    phase = 'outage';
    await options.stopBroker();
    await new Promise((r) => setTimeout(r, options.outageMs));
    await options.startBroker();
    restartedAt = performance.now();
    phase = 'after';
    while (firstAckAfterRestart === 0 && performance.now() - restartedAt < 120_000) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 2_000));
    stop = true;
    await Promise.all(loops);
    for (const ids of failed) {
      await c.ingest('m', samplesOf(ids));
      for (const id of ids) acked.add(id);
    }
    await c.closeExperience('m', 0);
    let trained = (await c.trainingStatus('m')).samplesTrained;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && trained < acked.size) {
      await new Promise((r) => setTimeout(r, 200));
      trained = (await c.trainingStatus('m')).samplesTrained;
    }
    return {
      failures,
      failureMs: failureMs.sort((a, b) => a - b),
      recoverySeconds: firstAckAfterRestart === 0 ? -1 : (firstAckAfterRestart - restartedAt) / 1000,
      sent: acked.size,
      trained,
    };
  } finally {
    client?.close();
    await stack?.stop();
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  }
}
