import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScenarioKind, TrainerServiceClient, type TrainingSample } from '@mneme/contracts';
import { createClient, unary } from '@mneme/rpc';
import { tensor } from '@mneme/tensor';
import { startTrainerProcess, type TrainerProcess } from '@mneme/testing';
import { toWire } from '@mneme/wire';
import { afterEach, describe, expect, it } from 'vitest';

const sample = (id: string, label: string, x: number): TrainingSample => ({
  sample: { sampleId: id, label, input: { kind: { $case: 'features', value: toWire(tensor('float32', [2], Float32Array.from([x, -x]))) } }, metadata: {} },
  experience: { modelId: 'm', experienceIndex: 0 },
});

/**
 * The embedded bus keeps events in memory only: Ingest must answer after the trainer fsynced the
 * samples into the model's log, so a SIGKILL loses nothing that was acknowledged.
 */
describe('the embedded trainer (in-process bus) under SIGKILL', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const undo of cleanup.splice(0).reverse()) await undo();
  });

  it('keeps every acknowledged sample: after a kill mid-ingest and a restart, each one is already logged and is trained', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mneme-durable-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    // No brokers: the trainer process runs on the in-process bus, as `mneme up` does.
    const env = { MNEME_DATA_DIR: dir, MNEME_DEVICE: 'cpu', MNEME_LOG_LEVEL: 'error', MNEME_KAFKA_BROKERS: '' };
    let trainer: TrainerProcess = await startTrainerProcess(env);
    cleanup.push(() => trainer.stop('SIGKILL'));
    let client = createClient(TrainerServiceClient, trainer.address);
    cleanup.push(async () => client.close());
    await unary(client.createModel.bind(client), {
      modelId: 'm',
      spec: { base: 'mlp:2-4', scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL, strategy: { name: 'naive', options: {} }, labels: ['a', 'b'], seed: 1 },
    });

    // Four clients ingest batches of 25 until the kill; only what was answered counts as acknowledged.
    const acknowledged: string[] = [];
    let next = 0;
    let killed = false;
    const ingestUntilKilled = async () => {
      while (!killed) {
        const batch = Array.from({ length: 25 }, () => next++).map((i) => sample(`s${i}`, i % 2 === 0 ? 'a' : 'b', (i % 7) - 3));
        try {
          const res = await unary(client.ingest.bind(client), { modelId: 'm', samples: batch }, { timeoutMs: 10_000 });
          expect(res.accepted).toBe(batch.length);
          acknowledged.push(...batch.map((s) => s.sample!.sampleId));
        } catch {
          return; // the kill cut this call: not acknowledged
        }
      }
    };
    const clients = Array.from({ length: 4 }, ingestUntilKilled);
    const killAt = 400 + Math.floor(Math.random() * 400);
    while (acknowledged.length < killAt) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    await trainer.stop('SIGKILL');
    await Promise.all(clients);
    client.close();

    trainer = await startTrainerProcess(env);
    client = createClient(TrainerServiceClient, trainer.address);
    // Every acknowledged sample survived: sent again, each comes back as a duplicate.
    for (let at = 0; at < acknowledged.length; at += 500) {
      const ids = acknowledged.slice(at, at + 500);
      const res = await unary(client.ingest.bind(client), { modelId: 'm', samples: ids.map((id) => sample(id, 'a', 0)) });
      expect({ accepted: res.accepted, duplicates: res.duplicateIds.length }).toEqual({ accepted: 0, duplicates: ids.length });
    }
    // And trained: the restarted trainer replays its log; closing the experience with the logged
    // count trains the last partial batch too.
    const before = await unary(client.getTrainingStatus.bind(client), { modelId: 'm' });
    const logged = Number(before.samplesTrained) + Number(before.backlog);
    expect(logged).toBeGreaterThanOrEqual(acknowledged.length);
    await unary(client.closeExperience.bind(client), { experience: { modelId: 'm', experienceIndex: 0 }, sampleCount: logged });
    const deadline = Date.now() + 30_000;
    let trained = 0;
    while (Date.now() < deadline) {
      trained = Number((await unary(client.getTrainingStatus.bind(client), { modelId: 'm' })).samplesTrained);
      if (trained === logged) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(trained).toBe(logged);
  }, 120_000);
});
