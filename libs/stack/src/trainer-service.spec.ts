import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeadLetterEvent,
  ReplayMemoryServiceClient,
  ScenarioKind,
  TOPICS,
  TrainerServiceClient,
  Unlearning,
  type Tensor,
  type TrainingSample,
} from '@mneme/contracts';
import { createExecutor, Engine } from '@mneme/engine';
import { InProcessBus, newEventHeader, publishEvent } from '@mneme/events';
import type { Executor } from '@mneme/execution';
import { createClient, jsonLogger, unary } from '@mneme/rpc';
import { tensor } from '@mneme/tensor';
import { toWire } from '@mneme/wire';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SERVICE_LIMITS, ServiceMetrics } from '@mneme/service-runtime';
import { startStack, type RunningStack } from './start-stack.js';

const sample = (id: string, label: string, features: number[], experience = 0): TrainingSample => ({
  sample: {
    sampleId: id,
    label,
    input: { kind: { $case: 'features', value: toWire(tensor('float32', [features.length], Float32Array.from(features))) } },
    metadata: {},
  },
  experience: { modelId: 'm', experienceIndex: experience },
});

describe('trainer service', () => {
  let executor: Executor;
  let dir: string;
  let bus: InProcessBus;
  let stack: RunningStack;
  let client: TrainerServiceClient;

  const start = async (maxLabels?: number) => {
    bus = new InProcessBus();
    stack = await startStack({
      // With the replay-memory service, so models that keep samples replicate them as deployed.
      services: ['trainer', 'replay-memory'],
      dataDir: dir,
      bus,
      executor,
      logger: jsonLogger('test', 'error'),
      metrics: new ServiceMetrics({ defaultMetrics: false }),
      ...(maxLabels === undefined ? {} : { limits: { ...DEFAULT_SERVICE_LIMITS, maxLabels } }),
    });
    client = createClient(TrainerServiceClient, stack.address);
  };
  const stop = async () => {
    client.close();
    await stack.stop();
    await bus.close();
  };
  const status = () => unary(client.getTrainingStatus.bind(client), { modelId: 'm' });
  /** Waits until the trainer's status matches (events reach the trainer asynchronously, as on Kafka). */
  const until = async (expected: Record<string, number>) => {
    for (let i = 0; i < 200; i++) {
      const s = await status();
      if (Object.entries(expected).every(([k, v]) => Number(s[k as keyof typeof s]) === v)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await status()).toMatchObject(expected);
  };

  beforeAll(async () => void (executor = createExecutor(await Engine.create())));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mneme-trainer-'));
    await start();
    await unary(client.createModel.bind(client), {
      modelId: 'm',
      spec: {
        base: 'mlp:2-4',
        scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
        strategy: { name: 'er', options: { memory: '4', 'batch-size': '2' } },
        labels: ['a', 'b'],
        seed: 1,
      },
    });
  });
  afterEach(async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects bad models and samples with INVALID_ARGUMENT naming every problem, and stores nothing', async () => {
    await expect(
      unary(client.createModel.bind(client), {
        modelId: 'x y',
        spec: { base: 'mlp:2', scenario: 0, strategy: { name: 'nope', options: {} }, labels: ['a', 'a'], seed: 0 },
      }),
    ).rejects.toMatchObject({ kind: 'invalid-argument', message: expect.stringMatching(/model id[\s\S]*repeats 'a'/) });
    await expect(
      unary(client.ingest.bind(client), {
        modelId: 'm',
        samples: [sample('s1', '', [1, 2]), sample('s2', 'a', [Number.NaN, 0]), sample('s3', 'a', [1, 2, 3])],
      }),
    ).rejects.toMatchObject({ kind: 'invalid-argument', message: expect.stringMatching(/samples\[0\]: the label is empty/) });
    for (const [label, problem] of [
      ['x'.repeat(257), /257 bytes long; the limit is 256/],
      ['bad\uFFFD', /not valid UTF-8/],
    ] as const) {
      await expect(unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('s9', label, [1, 2])] })).rejects.toMatchObject({
        kind: 'invalid-argument',
        message: expect.stringMatching(problem),
      });
    }
    await expect(
      unary(client.createModel.bind(client), {
        modelId: 'long',
        spec: { base: 'mlp:2', scenario: 0, strategy: { name: 'naive', options: {} }, labels: ['ok', ''], seed: 0 },
      }),
    ).rejects.toMatchObject({ kind: 'invalid-argument', message: expect.stringMatching(/spec\.labels\[1\]: the label is empty/) });
    await expect(unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('s2', 'a', [Number.NaN, 0])] })).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/non-finite|NaN/i),
    });
    await expect(unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('s3', 'a', [1, 2, 3])] })).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/shape \[3\] but \[2\]/),
    });
    // By shape, not element count: [1, 2] holds 2 values but is not a row of 2.
    const square = sample('s4', 'a', [1, 2]);
    square.sample!.input = {
      kind: { $case: 'features', value: { ...(square.sample!.input!.kind as { value: Tensor }).value, shape: [1, 2] } },
    };
    await expect(unary(client.ingest.bind(client), { modelId: 'm', samples: [square] })).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/shape \[1, 2\] \(rank 2\) but \[2\] \(rank 1\)/),
    });
    // Every size is bounded, each refusal naming its limit: ids, metadata, texts, experience indexes.
    const big = sample('x'.repeat(257), 'a', [1, 2]);
    big.sample!.metadata = { note: 'y'.repeat(20_000) };
    big.experience!.experienceIndex = 4_294_967_295;
    await expect(unary(client.ingest.bind(client), { modelId: 'm', samples: [big] })).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(
        /sample_id length in bytes is 257, over the limit of 256 \(MNEME_MAX_ID_BYTES\).*metadata size in bytes is 20004, over the limit of 16384 \(MNEME_MAX_METADATA_BYTES\).*experience_index is 4294967295, over the limit of 100000 \(MNEME_MAX_EXPERIENCE_INDEX\)/,
      ),
    });
    await expect(
      unary(client.closeExperience.bind(client), { experience: { modelId: 'm', experienceIndex: 0 }, sampleCount: 2 ** 53 - 1 }),
    ).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/sample_count is 9007199254740991, over the limit of 10000000 \(MNEME_MAX_EXPERIENCE_SAMPLES\)/),
    });
    await expect(
      unary(client.closeExperience.bind(client), { experience: { modelId: 'm', experienceIndex: 99_999_999 }, sampleCount: 0 }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/MNEME_MAX_EXPERIENCE_INDEX/) });
    // A foreign producer's close past the limits is dead-lettered with the reason, not logged.
    const letters: DeadLetterEvent[] = [];
    await bus.subscribe(TOPICS.deadLetter, 'test-dead-letters', async (m) => void letters.push(DeadLetterEvent.decode(m.value)));
    // (The in-process bus waits for the trainer, which persists: the refusal reaches the publisher too.)
    await expect(
      publishEvent(bus, 'experienceClosed', {
        header: newEventHeader({ modelId: 'm', producer: 'foreign' }),
        experience: { modelId: 'm', experienceIndex: 4_294_967_295 },
        sampleCount: 2 ** 53 - 1,
        dataUri: '',
      }),
    ).rejects.toMatchObject({ kind: 'invalid-argument' });
    for (let i = 0; i < 100 && letters.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(letters[0]?.reason).toMatch(/experience_index is 4294967295, over the limit of 100000[\s\S]*sample_count is 9007199254740991/);
    // Ingest checks every input (texts too) before publishing: its samples topic is trusted by its consumer.
    const texts: TrainingSample[] = ['hello', ' '].map((value, i) => ({
      ...sample(`t${i}`, 'a', [1, 2]),
      sample: { ...sample(`t${i}`, 'a', [1, 2]).sample!, input: { kind: { $case: 'text', value } } },
    }));
    await expect(unary(client.ingest.bind(client), { modelId: 'm', samples: texts })).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/sample 0: this model takes feature tensors[\s\S]*sample 1: this model takes feature tensors/),
    });
    await expect(unary(client.ingest.bind(client), { modelId: 'ghost', samples: [sample('s1', 'a', [1, 2])] })).rejects.toMatchObject({
      kind: 'not-found',
    });
    expect(Number((await status()).samplesTrained)).toBe(0);
  });

  it('a sample log damaged before its end stops that model with a status naming the file and byte, while other models train', async () => {
    const samples = Array.from({ length: 8 }, (_, i) => sample(`s${i}`, i % 2 === 0 ? 'a' : 'b', [i % 2, 1 - (i % 2)]));
    await unary(client.ingest.bind(client), { modelId: 'm', samples });
    await until({ samplesTrained: 8 });
    await stop();
    const logs = (await readdir(dir, { recursive: true })).filter(
      (f) => /models-store\/m\/.*\.log$/.test(f) && !f.includes('replay-memory'),
    );
    expect(logs).toHaveLength(1);
    const path = join(dir, logs[0]!);
    const bytes = await readFile(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await writeFile(path, bytes);
    await start();
    await expect(status()).rejects.toMatchObject({
      kind: 'failed-precondition',
      message: expect.stringMatching(/sample log .*m\/trainer\/log\/1\.log is damaged: record \d+ at byte \d+ fails its checksum/),
    });
    // The file is left as it was, for the operator to restore or truncate.
    expect(Buffer.compare(await readFile(path), bytes)).toBe(0);
    // Ingest refuses the model's samples; an event that reaches the topic anyway (another replica,
    // a producer of its own) is set aside with the reason, not retried ahead of other models.
    await expect(unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('late', 'a', [1, 0])] })).rejects.toMatchObject({
      kind: 'failed-precondition',
    });
    await expect(
      publishEvent(bus, 'samples', { header: newEventHeader({ modelId: 'm', producer: 'test' }), samples: [sample('late', 'a', [1, 0])] }),
    ).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/model 'm' is stopped until its stored state is repaired, so this event is set aside/),
    });
    await unary(client.createModel.bind(client), {
      modelId: 'other',
      spec: {
        base: 'mlp:2-4',
        scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
        strategy: { name: 'naive', options: { 'batch-size': '2' } },
        labels: [],
        seed: 1,
      },
    });
    await unary(client.ingest.bind(client), {
      modelId: 'other',
      samples: samples.slice(0, 2).map((x) => ({ ...x, experience: { modelId: 'other', experienceIndex: 0 } })),
    });
    for (let i = 0; i < 200 && Number((await unary(client.getTrainingStatus.bind(client), { modelId: 'other' })).samplesTrained) < 2; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(Number((await unary(client.getTrainingStatus.bind(client), { modelId: 'other' })).samplesTrained)).toBe(2);
  });

  it('a damaged checkpoint is skipped: the model resumes from the log with the same progress and versions', async () => {
    const samples = Array.from({ length: 6 }, (_, i) => sample(`s${i}`, i % 2 === 0 ? 'a' : 'b', [i % 2, 1 - (i % 2)]));
    await unary(client.ingest.bind(client), { modelId: 'm', samples });
    await unary(client.closeExperience.bind(client), { experience: { modelId: 'm', experienceIndex: 0 }, sampleCount: 6 });
    let versions: unknown[] = [];
    for (let i = 0; i < 200 && versions.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 25));
      versions = (await unary(client.listModelVersions.bind(client), { modelId: 'm' })).versions;
    }
    const before = await status();
    await stop();
    const checkpoints = (await readdir(dir, { recursive: true })).filter((f) => /models-store\/m\/.*checkpoints.*params\.ckpt$/.test(f));
    expect(checkpoints.length).toBeGreaterThan(0);
    for (const file of checkpoints) {
      const bytes = await readFile(join(dir, file));
      bytes[bytes.length - 3]! ^= 0xff;
      await writeFile(join(dir, file), bytes);
    }
    await start();
    await until({ samplesTrained: Number(before.samplesTrained), optimizerSteps: Number(before.optimizerSteps), backlog: 0 });
    expect((await unary(client.listModelVersions.bind(client), { modelId: 'm' })).versions).toHaveLength(versions.length);
  });

  it('trains ingested samples once (repeats are reported), versions each closed experience, and resumes after a restart', async () => {
    expect(
      await unary(client.ingest.bind(client), {
        modelId: 'm',
        samples: [sample('s1', 'a', [1, 0]), sample('s2', 'a', [0.9, 0.1]), sample('s3', 'a', [1, 0.2])],
      }),
    ).toMatchObject({ accepted: 3 });
    await until({ samplesTrained: 2, backlog: 1 }); // one full batch; the third sample waits for its batch
    expect((await unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('s1', 'a', [1, 0])] })).duplicateIds).toEqual(['s1']);
    await unary(client.closeExperience.bind(client), { experience: { modelId: 'm', experienceIndex: 0 }, sampleCount: 3 });
    await until({ samplesTrained: 3, optimizerSteps: 2, backlog: 0 });
    await unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('t1', 'b', [0, 1], 1)] });
    await until({ backlog: 1 });
    await stop();
    await start(); // the partial batch of experience 1 was logged, not trained: the restart picks it up
    await unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('t2', 'b', [0.1, 1], 1)] });
    await unary(client.closeExperience.bind(client), { experience: { modelId: 'm', experienceIndex: 1 }, sampleCount: 2 });
    await until({ samplesTrained: 5, optimizerSteps: 3, backlog: 0 });
    let versions = (await unary(client.listModelVersions.bind(client), { modelId: 'm' })).versions;
    for (let i = 0; i < 200 && versions.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 25)); // the version is saved just after the last step
      versions = (await unary(client.listModelVersions.bind(client), { modelId: 'm' })).versions;
    }
    expect(versions.map((v) => [Number(v.model?.version), v.trainedThrough?.experienceIndex ?? -1])).toEqual([
      [3, 1],
      [2, 0],
      [1, -1],
    ]);
    const promoted = await unary(client.promoteModelVersion.bind(client), { model: { modelId: 'm', version: 2 } });
    expect(promoted.version?.state).toBe(2);
  });

  it('answers Ingest once the samples are logged, and reports a batch re-sent while the first is in flight as duplicates', async () => {
    const batch = Array.from({ length: 40 }, (_, i) => sample(`p${i}`, i % 2 ? 'a' : 'b', [i, 1]));
    const [first, second] = await Promise.all([
      unary(client.ingest.bind(client), { modelId: 'm', samples: batch }),
      unary(client.ingest.bind(client), { modelId: 'm', samples: batch }),
    ]);
    // Together exactly once: whichever came second found the ids in flight or logged.
    expect(first.accepted + second.accepted).toBe(40);
    expect([...first.duplicateIds, ...second.duplicateIds].sort()).toEqual(batch.map((s) => s.sample!.sampleId).sort());
    // Acknowledged means logged: the status counts them at once, no waiting for the bus.
    const now = await status();
    expect(Number(now.samplesTrained) + Number(now.backlog)).toBe(40);
  });

  it('learns labels as they arrive: each version names the classes it learned, in order of first arrival', async () => {
    await unary(client.createModel.bind(client), {
      modelId: 'g',
      spec: {
        base: 'mlp:2-4',
        scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
        strategy: { name: 'naive', options: { 'batch-size': '2' } },
        labels: [],
        seed: 1,
      },
    });
    const of = (s: TrainingSample): TrainingSample => ({
      ...s,
      experience: { modelId: 'g', experienceIndex: s.experience!.experienceIndex },
    });
    await unary(client.ingest.bind(client), { modelId: 'g', samples: [of(sample('g1', 'dog', [1, 0])), of(sample('g2', 'cat', [0, 1]))] });
    await unary(client.closeExperience.bind(client), { experience: { modelId: 'g', experienceIndex: 0 }, sampleCount: 2 });
    await unary(client.ingest.bind(client), {
      modelId: 'g',
      samples: [of(sample('g3', 'owl', [1, 1], 1)), of(sample('g4', 'dog', [0.9, 0], 1))],
    });
    await unary(client.closeExperience.bind(client), { experience: { modelId: 'g', experienceIndex: 1 }, sampleCount: 2 });
    let versions = (await unary(client.listModelVersions.bind(client), { modelId: 'g' })).versions;
    for (let i = 0; i < 200 && versions.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 25));
      versions = (await unary(client.listModelVersions.bind(client), { modelId: 'g' })).versions;
    }
    expect(versions.map((v) => v.labels)).toEqual([['dog', 'cat', 'owl'], ['dog', 'cat'], []]);
  });

  it('refuses labels beyond MNEME_MAX_LABELS with INVALID_ARGUMENT naming the limit, and accepts nothing of the request', async () => {
    await stop();
    await start(3);
    await expect(
      unary(client.createModel.bind(client), {
        modelId: 'big',
        spec: { base: 'mlp:2', scenario: 0, strategy: { name: 'naive', options: {} }, labels: ['p', 'q', 'r', 's'], seed: 0 },
      }),
    ).rejects.toMatchObject({ kind: 'invalid-argument', message: expect.stringMatching(/4 labels; the limit is 3 \(MNEME_MAX_LABELS\)/) });
    // Model m declared a and b: one new label fits, two do not.
    await expect(
      unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('n1', 'c', [1, 0]), sample('n2', 'd', [0, 1])] }),
    ).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/would have 4 labels \(2 known, 2 new: c, d\); the limit is 3 \(MNEME_MAX_LABELS\)/),
    });
    expect(Number((await status()).backlog)).toBe(0);
    expect(await unary(client.ingest.bind(client), { modelId: 'm', samples: [sample('n1', 'c', [1, 0])] })).toMatchObject({ accepted: 1 });
  });

  it('closes a distill experience without a set when the distiller is down or too slow, and says why in the status', async () => {
    const cases = [
      { services: ['trainer'], peers: { distiller: () => '127.0.0.1:1' }, timeoutMs: 60_000, reason: /UNAVAILABLE|connect|No connection/i },
      { services: ['trainer', 'distiller'], peers: {}, timeoutMs: 1, reason: /did not finish within 0\.001 s \(MNEME_DISTILL_TIMEOUT\)/ },
    ];
    for (const [i, c] of cases.entries()) {
      await stop();
      bus = new InProcessBus();
      stack = await startStack({
        services: c.services,
        dataDir: dir,
        bus,
        executor,
        logger: jsonLogger('test', 'error'),
        metrics: new ServiceMetrics({ defaultMetrics: false }),
        peers: c.peers,
        distillTimeoutMs: c.timeoutMs,
      });
      client = createClient(TrainerServiceClient, stack.address);
      const modelId = `d${i}`;
      await unary(client.createModel.bind(client), {
        modelId,
        spec: {
          base: 'mlp:2-4',
          scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
          strategy: { name: 'distill', options: { 'batch-size': '2', k: '1', 'outer-steps': '200' } },
          labels: [],
          seed: 1,
        },
      });
      const of = (id: string, label: string, x: number[]): TrainingSample => ({
        ...sample(id, label, x),
        experience: { modelId, experienceIndex: 0 },
      });
      await unary(client.ingest.bind(client), {
        modelId,
        samples: [of('a1', 'a', [1, 0]), of('b1', 'b', [0, 1]), of('a2', 'a', [0.9, 0]), of('b2', 'b', [0, 0.9])],
      });
      await unary(client.closeExperience.bind(client), { experience: { modelId, experienceIndex: 0 }, sampleCount: 4 });
      let status = await unary(client.getTrainingStatus.bind(client), { modelId });
      for (let k = 0; k < 400 && status.distillationFailures.length === 0; k++) {
        await new Promise((r) => setTimeout(r, 25));
        status = await unary(client.getTrainingStatus.bind(client), { modelId });
      }
      // The experience closed (a version was saved) and the status names the failure.
      expect(status.distillationFailures).toEqual([
        { experience: { modelId, experienceIndex: 0 }, reason: expect.stringMatching(c.reason) },
      ]);
      expect(status.distillation).toBeUndefined();
      expect(Number(status.samplesTrained)).toBe(4);
    }
  });

  it('forgets samples: memories purged, tombstoned so no restart trains them, the versions that saw them named; bad requests change nothing', async () => {
    await unary(client.createModel.bind(client), {
      modelId: 'k',
      spec: {
        base: 'mlp:2-4',
        scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
        strategy: { name: 'knn', options: { 'batch-size': '2' } },
        labels: [],
        seed: 1,
      },
    });
    const of = (id: string, label: string, x: number[], experience = 0): TrainingSample => ({
      ...sample(id, label, x),
      experience: { modelId: 'k', experienceIndex: experience },
    });
    const statusOf = () => unary(client.getTrainingStatus.bind(client), { modelId: 'k' });
    await unary(client.ingest.bind(client), {
      modelId: 'k',
      samples: [of('k1', 'a', [1, 0]), of('k2', 'b', [0, 1]), of('k3', 'a', [0.9, 0.1]), of('k4', 'b', [0.1, 0.9])],
    });
    await unary(client.closeExperience.bind(client), { experience: { modelId: 'k', experienceIndex: 0 }, sampleCount: 4 });
    let versions = (await unary(client.listModelVersions.bind(client), { modelId: 'k' })).versions;
    for (let i = 0; i < 200 && versions.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 25));
      versions = (await unary(client.listModelVersions.bind(client), { modelId: 'k' })).versions;
    }
    expect(Number(versions[0]!.logThrough)).toBe(5);
    // One sample of experience 1 waits in a partial batch when it is forgotten.
    await unary(client.ingest.bind(client), { modelId: 'k', samples: [of('k5', 'a', [1, 0.1], 1)] });

    let before = await statusOf();
    for (let i = 0; i < 200 && before.currentExperience?.experienceIndex !== 1; i++) {
      await new Promise((r) => setTimeout(r, 25));
      before = await statusOf();
    }
    const refused = async (req: { modelId: string; sampleIds: string[] }, kind: string, message: RegExp) =>
      expect(unary(client.forgetSamples.bind(client), req)).rejects.toMatchObject({ kind, message: expect.stringMatching(message) });
    await refused({ modelId: 'ghost', sampleIds: ['k1'] }, 'not-found', /ghost/);
    await refused({ modelId: 'k', sampleIds: ['k1', 'nope', 'never'] }, 'not-found', /never received samples 'nope', 'never'/);
    await refused({ modelId: 'k', sampleIds: [] }, 'invalid-argument', /sample_ids is empty/);
    await refused(
      { modelId: 'k', sampleIds: Array.from({ length: 10_001 }, (_, i) => `x${i}`) },
      'invalid-argument',
      /the number of sample_ids is 10001, over the limit of 10000 \(MNEME_MAX_IDS_PER_REQUEST\)/,
    );
    await refused({ modelId: 'k', sampleIds: ['k1', ''] }, 'invalid-argument', /sample_ids\[1\] is empty/);
    expect(await statusOf()).toEqual(before);

    const forgotten = await unary(client.forgetSamples.bind(client), { modelId: 'k', sampleIds: ['k1', 'k2', 'k5'] });
    expect(forgotten).toEqual({
      forgottenIds: ['k1', 'k2', 'k5'],
      versionsTrainedOnThem: [{ modelId: 'k', version: 2 }],
      unlearning: Unlearning.UNLEARNING_EXACT,
      // k1 and k2 from the kNN memory, k5 from the partial batch.
      removedFromMemory: 3,
      // The distiller buffered no features for this model's experiences: no set came from them.
      syntheticSetsFromThem: [],
    });
    // The replay-memory service's copy of the kNN memory no longer holds them when the call answers.
    const memory = createClient(ReplayMemoryServiceClient, stack.address);
    const held = (await unary(memory.sampleMemory.bind(memory), { modelId: 'k', count: 100, excludeLabels: [], seed: 1 })).samples.map(
      (m) => m.sample!.sampleId,
    );
    memory.close();
    expect(held.length).toBeGreaterThan(0);
    expect(held.filter((id) => ['k1', 'k2', 'k5'].includes(id))).toEqual([]);
    // Idempotent: nothing more to remove.
    expect((await unary(client.forgetSamples.bind(client), { modelId: 'k', sampleIds: ['k1'] })).removedFromMemory).toBe(0);

    await stop();
    await start();
    await unary(client.ingest.bind(client), { modelId: 'k', samples: [of('k6', 'b', [0, 1], 1)] });
    // The producer counts the forgotten k5 in the experience: it closes all the same, with k6 alone trained.
    await unary(client.closeExperience.bind(client), { experience: { modelId: 'k', experienceIndex: 1 }, sampleCount: 2 });
    let status = await statusOf();
    // The version is saved just after the loop has passed the close (backlog 0 comes first).
    for (let i = 0; i < 200 && (Number(status.backlog) > 0 || status.latestVersion?.trainedThrough?.experienceIndex !== 1); i++) {
      await new Promise((r) => setTimeout(r, 25));
      status = await statusOf();
    }
    expect(Number(status.samplesTrained)).toBe(5);
    expect(status.latestVersion?.trainedThrough?.experienceIndex).toBe(1);
  });
});
