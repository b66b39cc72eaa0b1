import { ReplayMemoryServiceClient, MemoryPolicy } from '@mneme/contracts';
import { STRATEGIES, type MemorySnapshot, type Strategy, type StrategyContext } from '@mneme/methods';
import { Rng } from '@mneme/random';
import { createClient, unary } from '@mneme/rpc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostServices, type HostedServices } from '@mneme/service-runtime';
import type { ServiceDeps } from '@mneme/service-runtime';
import { createReplayMemoryService } from '@mneme/replay-memory';
import { quietLogger, removeDir, tempDataDir, testDeps } from '@mneme/testing';
import { remoteMemoryPort, type MemoryReplication } from './remote-memory-port.js';

const D = 6;
const LABELS = ['cat', 'dog', 'eel', 'fox'];
const idOf = (position: number) => `sample-${position}`;

/** Batches of 8 with labels drifting from {cat, dog} to {eel, fox}, ids 0, 1, ... */
function stream(batches: number, seed = 1) {
  const rng = Rng.seeded(seed);
  return Array.from({ length: batches }, (_, b) => {
    const classes = b < batches / 2 ? [0, 1] : [2, 3];
    const labels = Int32Array.from({ length: 8 }, () => classes[rng.int(2)]!);
    const features = Float32Array.from({ length: 8 * D }, (_, j) => rng.normal(labels[Math.floor(j / D)]! === j % D ? 2 : 0, 1));
    return { features, labels, ids: Int32Array.from({ length: 8 }, (_, i) => b * 8 + i), experience: b < batches / 2 ? 0 : 1 };
  });
}

describe('the trainer memory port, replicated to a real replay-memory service over gRPC', () => {
  let dir: string;
  let deps: ServiceDeps;
  let host: HostedServices | undefined;
  let client: ReplayMemoryServiceClient | undefined;
  const replications: MemoryReplication[] = [];

  const startService = async () => {
    host = await hostServices({ modules: [await createReplayMemoryService(deps)], metrics: deps.metrics, logger: quietLogger });
    client?.close();
    client = createClient(ReplayMemoryServiceClient, host.address);
  };
  const stopService = async () => {
    client?.close();
    client = undefined;
    await host?.stop();
    host = undefined;
  };
  /** The strategy `name` with its memory bound to the service (capacity 20). */
  const build = (
    name: string,
    options: Record<string, string>,
    writerEpoch = 1,
  ): { strategy: Strategy; replication: MemoryReplication } => {
    const { port, replication } = remoteMemoryPort({
      address: () => host?.address,
      modelId: 'm',
      labels: () => LABELS,
      sampleIdAt: idOf,
      seed: 3,
      writerEpoch,
      logger: quietLogger,
      chunk: 7,
      retryMs: 20,
    });
    replications.push(replication);
    const ctx: StrategyContext = {
      executor: deps.executor,
      classifier: { inputSize: D, hidden: [], classes: 4 },
      optimizer: { kind: 'sgd' },
      learningRate: 0.1,
      batchSize: 8,
      epochs: 1,
      seed: 11,
      options,
      memory: port,
    };
    return { strategy: STRATEGIES[name]!(ctx), replication };
  };
  /** What the service holds: sample id → label. */
  const served = async (): Promise<Map<string, string>> => {
    const c = client!;
    const { samples } = await unary(c.sampleMemory.bind(c), { modelId: 'm', count: 1000, excludeLabels: [], seed: 1 });
    return new Map(samples.map((s) => [s.sample!.sampleId, s.sample!.label]));
  };
  /** What the strategy's reservoir holds, in the same terms. */
  const heldBy = (strategy: Strategy): Map<string, string> => {
    const memory = strategy.saveState().data['memory'] as MemorySnapshot;
    return new Map(memory.ids.map((id, i) => [idOf(id), LABELS[memory.labels[i]!]!]));
  };

  beforeEach(async () => {
    dir = await tempDataDir();
    deps = await testDeps(dir);
    await startService();
  });
  afterEach(async () => {
    await Promise.all(replications.splice(0).map((r) => r.close()));
    await stopService();
    await removeDir(dir);
  });

  it('the service holds exactly what the strategy holds, with per-label counts, through evictions and forgets', async () => {
    const { strategy, replication } = build('mir', { memory: '20', candidates: '6', topK: '3' });
    for (const batch of stream(12)) await strategy.learn(batch);
    await replication.settled();
    const held = heldBy(strategy);
    expect(held.size).toBe(20);
    expect(await served()).toEqual(held);
    const c = client!;
    const { stats } = await unary(c.describeMemory.bind(c), { modelId: 'm' });
    const counts: Record<string, number> = {};
    for (const label of held.values()) counts[label] = (counts[label] ?? 0) + 1;
    expect(stats).toMatchObject({ size: 20, capacity: 20, policy: MemoryPolicy.MEMORY_POLICY_REPLICA, labelCounts: counts });
    // A forget reaches the service's copy.
    const victims = [...held.keys()].slice(0, 3).map((id) => Number(id.slice('sample-'.length)));
    expect(strategy.forget!(victims)).toBe(3);
    await replication.settled();
    expect(await served()).toEqual(heldBy(strategy));
    expect(replication.status()).toMatchObject({ held: 17, pending: 0, resync: false, lastError: undefined });
  });

  it('training goes on while the service is down, and the copy converges once it is back (a restart of the replay-memory service)', async () => {
    const { strategy, replication } = build('er', { memory: '20' });
    const batches = stream(16);
    for (const batch of batches.slice(0, 6)) await strategy.learn(batch);
    await replication.settled();
    await stopService();
    for (const batch of batches.slice(6, 12)) await strategy.learn(batch);
    await expect(replication.settled()).rejects.toThrow();
    expect(replication.status()?.resync).toBe(true);
    expect(replication.status()?.lastError).toBeDefined();
    await startService();
    for (const batch of batches.slice(12)) await strategy.learn(batch);
    await replication.settled();
    expect(await served()).toEqual(heldBy(strategy));
  });

  it('a restore (a restarted or new trainer) replaces whatever the service held with the restored memory', async () => {
    const first = build('er', { memory: '20' });
    const batches = stream(12);
    for (const batch of batches.slice(0, 4)) await first.strategy.learn(batch);
    const checkpoint = first.strategy.saveState();
    // The trainer goes on past its checkpoint, then dies: the service is ahead of the checkpoint.
    for (const batch of batches.slice(4, 9)) await first.strategy.learn(batch);
    await first.replication.settled();
    await first.replication.close();
    const second = build('er', { memory: '20' });
    second.strategy.restoreState(checkpoint);
    await second.replication.settled();
    expect(await served()).toEqual(heldBy(second.strategy));
    for (const batch of batches.slice(4)) await second.strategy.learn(batch);
    await second.replication.settled();
    expect(await served()).toEqual(heldBy(second.strategy));
  });

  it("a replaced owner (an older writer epoch) cannot overwrite the new owner's copy", async () => {
    const zombie = build('er', { memory: '20' }, 1);
    const batches = stream(12);
    for (const batch of batches.slice(0, 3)) await zombie.strategy.learn(batch);
    await zombie.replication.settled();
    // Another replica takes the model over (epoch 2) and restores the same checkpoint.
    const owner = build('er', { memory: '20' }, 2);
    owner.strategy.restoreState(zombie.strategy.saveState());
    for (const batch of batches.slice(3, 6)) await owner.strategy.learn(batch);
    await owner.replication.settled();
    const ownersCopy = await served();
    // The old owner, not yet aware it was fenced, trains on and tries to replicate.
    for (const batch of batches.slice(6, 9)) await zombie.strategy.learn(batch);
    const refused = await zombie.replication.settled().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(String(refused)).toContain('is written by epoch 2; a write from epoch 1 (a replaced owner) is refused');
    expect(await served()).toEqual(ownersCopy);
  });

  it('replicates a kNN memory (every sample, no capacity) the same way', async () => {
    const { strategy, replication } = build('knn', {});
    for (const batch of stream(5)) await strategy.learn(batch);
    await replication.settled();
    const mine = await served();
    expect(mine.size).toBe(40);
    expect(mine.get(idOf(0))).toBe(LABELS[stream(1)[0]!.labels[0]!]);
  });
});
