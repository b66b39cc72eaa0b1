/**
 * A trainer of an L2P text model logs each sample's token ids, so a replica that takes the model
 * over replays the log's tail with the same tokens and ends with the same prompts, keys and head
 * as one trainer alone. Real ONNX Runtime and the MiniLM weights (skipped without them).
 */
import { join } from 'node:path';
import type { TrainingSample } from '@mneme/contracts';
import { FileModelStore, type ModelRecord } from '@mneme/model-store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HAVE_MINILM, MODELS_DIR, text } from '@mneme/testing';
import { quietLogger, removeDir, tempDataDir, testExecutor } from '@mneme/testing';
import { ServiceMetrics } from '@mneme/service-runtime';
import { ModelTrainer } from './model-trainer.js';
import { ModelLease } from './trainer-lease.js';

const record: ModelRecord = {
  modelId: 'm',
  base: 'all-MiniLM-L6-v2',
  scenario: 'class-incremental',
  strategy: { name: 'l2p', options: { size: '4', length: '2', select: '2', maxTokens: '16', 'batch-size': '2' } },
  labels: [],
  seed: 5,
  createdAt: 0,
};
const TEXTS = [
  'rain again today',
  'order a pizza',
  'is it windy',
  'pasta for dinner',
  'cold and grey',
  'a bowl of soup',
  'play some jazz',
  'tennis on sunday',
  'the piano concert',
  'a football match',
];
const stream: TrainingSample[] = TEXTS.map((t, i) => ({
  sample: { sampleId: `s${i}`, label: ['weather', 'food', 'music', 'sport'][i < 6 ? i % 2 : 2 + (i % 2)]!, input: text(t), metadata: {} },
  experience: { modelId: 'm', experienceIndex: i < 6 ? 0 : 1 },
}));

describe.skipIf(!HAVE_MINILM)('ModelTrainer of an L2P text model', () => {
  let dir: string;
  beforeEach(async () => void (dir = await tempDataDir()));
  afterEach(async () => removeDir(dir));

  const open = async (store: FileModelStore, replica: string) =>
    ModelTrainer.open('m', {
      store,
      executor: await testExecutor(),
      modelsDir: MODELS_DIR,
      lease: await ModelLease.acquire('m', store.stateDir('m', 'trainer'), replica, async () => undefined),
      metrics: new ServiceMetrics({ defaultMetrics: false }),
      logger: quietLogger,
      checkpointEvery: 1000,
      maxLabels: 100,
      distillTimeoutMs: 1_000,
      announce: async () => undefined,
      onFenced: () => undefined,
    });
  const params = async (store: FileModelStore, version: number) => {
    const state = await store.loadVersionState('m', version);
    return state.params.names().map((name) => [name, Array.from(state.params.get(name).data)]);
  };

  it('replays the log with its token ids after a takeover: the same version as one trainer alone', async () => {
    const reference = new FileModelStore(join(dir, 'reference'));
    await reference.createModel(record);
    const alone = await open(reference, 'only');
    await alone.appendSamples(stream, 'all');
    await alone.appendClose(0, 6, 'c0');
    await alone.appendClose(1, 4, 'c1');
    await alone.drained();
    await alone.close();

    const store = new FileModelStore(join(dir, 'store'));
    await store.createModel(record);
    // Replica 1 trains the first experience and one and a half batches of the second, then stops
    // mid-batch (no checkpoint: its last one is the first experience's end).
    const first = await open(store, 'r1');
    await first.appendSamples(stream.slice(0, 6), 'e0');
    await first.appendClose(0, 6, 'c0');
    await first.appendSamples(stream.slice(6, 9), 'e1a');
    await first.drained();
    await first.close();
    // Replica 2 replays positions 7.. from the log (its tokens come from the log records).
    const second = await open(store, 'r2');
    await second.appendSamples(stream.slice(6), 'e1');
    await second.appendClose(1, 4, 'c1');
    await second.drained();
    expect(second.status().loop).toMatchObject({ samplesTrained: 10, closedThrough: 1 });
    await second.close();
    expect(await params(store, 2)).toEqual(await params(reference, 2));
  }, 120_000);
});
