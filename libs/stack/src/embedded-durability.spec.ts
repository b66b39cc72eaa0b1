import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScenarioKind, TrainerServiceClient, type TrainingSample } from '@mneme/contracts';
import { createClient, unary } from '@mneme/rpc';
import { tensor } from '@mneme/tensor';
import { startTrainerProcess, type TrainerProcess } from '@mneme/testing';
import { toWire } from '@mneme/wire';
import { afterEach, describe, expect, it } from 'vitest';

const BATCH = 25; // samples per Ingest
const STEP = 5; // the strategy's batch size

const sample = (i: number): TrainingSample => ({
  sample: {
    sampleId: `s${i}`,
    label: i % 2 === 0 ? 'a' : 'b',
    input: { kind: { $case: 'features', value: toWire(tensor('float32', [2], Float32Array.from([(i % 7) - 3, 3 - (i % 7)]))) } },
    metadata: {},
  },
  experience: { modelId: 'm', experienceIndex: 0 },
});

/**
 * The embedded bus keeps events in memory only: Ingest must answer after the trainer fsynced the
 * samples into the model's log. Killed (SIGKILL) ten times at random points while four clients
 * ingest, the trainer must lose nothing it acknowledged and train nothing twice.
 */
describe('the embedded trainer (in-process bus) under SIGKILL', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const undo of cleanup.splice(0).reverse()) await undo();
  });

  it('killed at 10 random points mid-ingest: every acknowledged sample is already logged after each restart, and each sample is trained exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mneme-durable-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    // No brokers: the trainer process runs on the in-process bus, as `mneme up` does.
    const env = { MNEME_DATA_DIR: dir, MNEME_DEVICE: 'cpu', MNEME_LOG_LEVEL: 'error', MNEME_KAFKA_BROKERS: '' };
    let trainer: TrainerProcess = await startTrainerProcess(env);
    const port = Number(trainer.address.split(':')[1]);
    cleanup.push(() => trainer.stop('SIGKILL'));
    let client = createClient(TrainerServiceClient, trainer.address);
    cleanup.push(async () => client.close());
    await unary(client.createModel.bind(client), {
      modelId: 'm',
      spec: {
        base: 'mlp:2-4',
        scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
        strategy: { name: 'naive', options: { 'batch-size': String(STEP) } },
        labels: ['a', 'b'],
        seed: 1,
      },
    });

    // Four clients, 16 batches each; a batch cut by a kill is sent again once the trainer is back.
    const acknowledged = new Set<string>();
    let up: Promise<void> = Promise.resolve();
    const ingestAll = async (clientIndex: number) => {
      for (let b = 0; b < 16; b++) {
        const batch = Array.from({ length: BATCH }, (_, i) => sample((clientIndex * 16 + b) * BATCH + i));
        for (;;) {
          try {
            const res = await unary(client.ingest.bind(client), { modelId: 'm', samples: batch }, { timeoutMs: 10_000 });
            expect(res.accepted + res.duplicateIds.length).toBe(BATCH);
            for (const s of batch) acknowledged.add(s.sample!.sampleId);
            break;
          } catch {
            await up; // cut by a kill: wait for the restart, then send the same batch again
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      }
    };
    const clients = Array.from({ length: 4 }, (_, i) => ingestAll(i));
    for (let kill = 0; kill < 10; kill++) {
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 250));
      let restarted!: () => void;
      up = new Promise((r) => (restarted = r));
      const ackedBefore = [...acknowledged];
      await trainer.stop('SIGKILL');
      client.close();
      trainer = await startTrainerProcess(env, { port });
      client = createClient(TrainerServiceClient, trainer.address);
      restarted();
      // Nothing acknowledged before the kill is missing from the log: sent again, each is a repeat.
      const probe = ackedBefore.slice(-500).map((id) => sample(Number(id.slice(1))));
      if (probe.length > 0) {
        const res = await unary(client.ingest.bind(client), { modelId: 'm', samples: probe });
        expect({ kill, accepted: res.accepted }).toEqual({ kill, accepted: 0 });
      }
    }
    await Promise.all(clients);
    const total = 4 * 16 * BATCH;
    expect(acknowledged.size).toBe(total);

    // Trained exactly once: closing the experience trains the rest, every sample in one step.
    await unary(client.closeExperience.bind(client), { experience: { modelId: 'm', experienceIndex: 0 }, sampleCount: total });
    const deadline = Date.now() + 30_000;
    let status = await unary(client.getTrainingStatus.bind(client), { modelId: 'm' });
    while (Date.now() < deadline && Number(status.samplesTrained) < total) {
      await new Promise((r) => setTimeout(r, 100));
      status = await unary(client.getTrainingStatus.bind(client), { modelId: 'm' });
    }
    expect({ trained: Number(status.samplesTrained), steps: Number(status.optimizerSteps), backlog: Number(status.backlog) }).toEqual({
      trained: total,
      steps: total / STEP,
      backlog: 0,
    });
  }, 180_000);
});
