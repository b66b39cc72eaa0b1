import { join } from 'node:path';
import { Pooling, ScenarioKind, type EmbedRequest, type PredictRequest } from '@mneme/contracts';
import { DEFAULT_MODEL } from '@mneme/encoders';
import { newEventHeader, publishEvent } from '@mneme/events';
import { FileModelStore } from '@mneme/model-store';
import { unary } from '@mneme/rpc';
import { fromWire } from '@mneme/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure, tempDataDir, removeDir, testExecutor } from '@mneme/testing';
import { countingExecutor, createMlpModel, features, HAVE_MINILM, startStack, text, type Stack } from './encoder-harness.test-util.js';
import { versionToWire } from '@mneme/service-runtime';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('encoder service over gRPC', () => {
  let dir: string;
  let stack: Stack | undefined;

  beforeEach(async () => {
    dir = await tempDataDir();
  });
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    await removeDir(dir);
  });

  const api = (s: Stack) => ({
    predict: (req: Partial<PredictRequest>) =>
      unary(s.encoder.predict.bind(s.encoder), { model: { modelId: 'm', version: 0 }, inputs: [], topK: 0, ...req }),
    embed: (req: Partial<EmbedRequest>) =>
      unary(s.encoder.embed.bind(s.encoder), { inputs: [], pooling: Pooling.POOLING_UNSPECIFIED, unnormalized: false, ...req }),
    describe: (modelId = '') => unary(s.encoder.describeServing.bind(s.encoder), { modelId }),
  });

  it('predicts label probabilities with the promoted-or-newest version, top_k first', async () => {
    stack = await startStack(dir);
    await createMlpModel(stack, 'm');
    const { predict } = api(stack);
    const all = await predict({ inputs: [features([1, 0.5, 0, -0.25]), features([-1, 0.5, 0.2, -0.25])] });
    expect(all.servedBy).toEqual({ modelId: 'm', version: 1 });
    expect(all.predictions).toHaveLength(2);
    for (const p of all.predictions) {
      expect(p.scores.map((s) => s.label).sort()).toEqual(['a', 'b']);
      expect(p.scores[0]!.probability).toBeGreaterThanOrEqual(p.scores[1]!.probability);
      expect(p.scores[0]!.probability + p.scores[1]!.probability).toBeCloseTo(1, 5);
    }
    const top1 = await predict({ inputs: [features([1, 0.5, 0, -0.25])], topK: 1 });
    expect(top1.predictions[0]!.scores).toEqual([all.predictions[0]!.scores[0]]);
    const pinned = await predict({ model: { modelId: 'm', version: 1 }, inputs: [features([1, 0.5, 0, -0.25])] });
    expect(pinned.servedBy).toEqual({ modelId: 'm', version: 1 });
  });

  it('serves a label from the first version trained on it: a model created with no labels grows them', async () => {
    stack = await startStack(dir);
    const t = stack.trainer;
    await unary(t.createModel.bind(t), {
      modelId: 'g',
      spec: {
        base: 'mlp:4-8',
        scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
        strategy: { name: 'naive', options: { 'batch-size': '2' } },
        labels: [],
        seed: 1,
      },
    });
    const ingest = (experience: number, rows: [string, number[]][]) =>
      unary(t.ingest.bind(t), {
        modelId: 'g',
        samples: rows.map(([label, x], i) => ({
          sample: { sampleId: `g${experience}-${i}`, label, input: features(x), metadata: {} },
          experience: { modelId: 'g', experienceIndex: experience },
        })),
      });
    const closed = async (experience: number, count: number, versions: number) => {
      await unary(t.closeExperience.bind(t), { experience: { modelId: 'g', experienceIndex: experience }, sampleCount: count });
      for (let i = 0; i < 400; i++) {
        if ((await unary(t.listModelVersions.bind(t), { modelId: 'g' })).versions.length >= versions) return;
        await sleep(25);
      }
    };
    await ingest(0, [
      ['cat', [1, 0, 0, 0]],
      ['dog', [0, 1, 0, 0]],
    ]);
    await closed(0, 2, 2);
    await ingest(1, [
      ['owl', [0, 0, 1, 0]],
      ['owl', [0, 0, 0.9, 0]],
    ]);
    await closed(1, 2, 3);
    const { predict } = api(stack);
    const labelsOf = async (version: number) =>
      (await predict({ model: { modelId: 'g', version }, inputs: [features([0, 0, 1, 0])] })).predictions[0]!.scores.map(
        (s) => s.label,
      ).sort();
    expect(await labelsOf(1)).toEqual([]);
    expect(await labelsOf(2)).toEqual(['cat', 'dog']);
    expect(await labelsOf(3)).toEqual(['cat', 'dog', 'owl']);
  });

  it('rejects bad requests with INVALID_ARGUMENT or NOT_FOUND naming the problem', async () => {
    stack = await startStack(dir);
    await createMlpModel(stack, 'm');
    const { predict, embed } = api(stack);
    expect(await failure(predict({ inputs: [] }))).toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('1..1024 inputs'),
    });
    const nan = await failure(predict({ inputs: [features([1, 2, 3, 4]), features([1, Number.NaN, 3, 4])] }));
    expect(nan.kind).toBe('invalid-argument');
    expect(nan.message).toMatch(/input 1.*(NaN|finite)/is);
    const width = await failure(predict({ inputs: [features([1, 2, 3])] }));
    expect(width).toMatchObject({ kind: 'invalid-argument', message: expect.stringContaining('shape [3] but [4] was expected') });
    expect(await failure(predict({ inputs: [text('hello')] }))).toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('feature tensors'),
    });
    expect(await failure(predict({ model: { modelId: 'nope', version: 0 }, inputs: [features([1, 2, 3, 4])] }))).toMatchObject({
      kind: 'not-found',
    });
    expect(await failure(predict({ model: { modelId: 'm', version: 9 }, inputs: [features([1, 2, 3, 4])] }))).toMatchObject({
      kind: 'not-found',
      message: expect.stringContaining('no version 9'),
    });
    expect(await failure(predict({ model: undefined, inputs: [features([1, 2, 3, 4])] }))).toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('model is required'),
    });
    expect(await failure(predict({ inputs: [features([1, 2, 3, 4])], taskId: 0 }))).toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('task-incremental'),
    });
    expect(await failure(embed({ inputs: [features([1, 2, 3, 4])] }))).toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('only text'),
    });
    expect(await failure(embed({ model: { modelId: 'm', version: 0 }, inputs: [] }))).toMatchObject({ kind: 'invalid-argument' });
    // A text is bounded in bytes before anything tokenises it.
    const long = text('ü'.repeat(40_000));
    expect(await failure(embed({ inputs: [long] }))).toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('inputs[0].text length in bytes is 80000, over the limit of 65536 (MNEME_MAX_TEXT_BYTES)'),
    });
    expect(await failure(predict({ inputs: [long] }))).toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('(MNEME_MAX_TEXT_BYTES)'),
    });
  });

  it('coalesces concurrent predictions into shared forward passes, and a bad request fails alone', async () => {
    const executor = countingExecutor(await testExecutor());
    stack = await startStack(dir, { executor, maxDelayMs: 20 });
    await createMlpModel(stack, 'm');
    const { predict } = api(stack);
    await predict({ inputs: [features([1, 0, 0, 0])] }); // loads the version
    const before = executor.forwards;
    const requests = Array.from({ length: 16 }, (_, i) =>
      predict({ inputs: [features(i === 5 ? [1, Number.NaN, 0, 0] : [i / 16, 1, 0, 0])] }),
    );
    const outcomes = await Promise.allSettled(requests);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(1);
    expect(outcomes[5]!.status).toBe('rejected');
    // 15 valid requests, far fewer forward passes (gRPC delivers them within the 20 ms window).
    expect(executor.forwards - before).toBeLessThanOrEqual(4);
    expect((await stack.deps.metrics.queueDepth.get()).values.every((v) => v.value === 0)).toBe(true);
  });

  it('passes the features of a feature model through, L2-normalised unless asked otherwise', async () => {
    stack = await startStack(dir);
    await createMlpModel(stack, 'm');
    const { embed } = api(stack);
    const model = { modelId: 'm', version: 0 };
    const unit = await embed({ model, inputs: [features([3, 4, 0, 0])] });
    expect(unit.servedBy).toEqual({ modelId: 'm', version: 1 });
    const t = fromWire(unit.embeddings!, { expectDtype: 'float32' });
    expect(t.shape).toEqual([1, 4]);
    expect([...t.data].map((x) => Number(x.toFixed(5)))).toEqual([0.6, 0.8, 0, 0]);
    const raw = fromWire((await embed({ model, inputs: [features([3, 4, 0, 0])], unnormalized: true })).embeddings!, {
      expectDtype: 'float32',
    });
    expect([...raw.data]).toEqual([3, 4, 0, 0]);
  });

  it('describes the loaded versions and the execution provider', async () => {
    stack = await startStack(dir);
    await createMlpModel(stack, 'm');
    const { predict, describe: describeServing } = api(stack);
    expect((await describeServing()).versions).toEqual([]);
    await predict({ inputs: [features([1, 0, 0, 0])] });
    const described = await describeServing('m');
    expect(described.versions.map((v) => v.model)).toEqual([{ modelId: 'm', version: 1 }]);
    expect(described.executionProvider).toBe('cpu');
    expect(described.executionProviderReason).not.toBe('');
    expect(await failure(describeServing('nope'))).toMatchObject({ kind: 'not-found' });
  });

  it('swaps in a newly announced version while requests keep flowing; none fails', async () => {
    stack = await startStack(dir);
    await createMlpModel(stack, 'm');
    const { predict } = api(stack);
    const seen: number[] = [];
    let failures = 0;
    let stop = false;
    const client = async () => {
      while (!stop) {
        const r = await predict({ inputs: [features([1, 0.5, 0, -0.25])] }).catch(() => {
          failures++;
          return undefined;
        });
        if (r !== undefined) seen.push(r.servedBy!.version);
      }
    };
    const clients = Array.from({ length: 4 }, client);
    while (seen.length < 20) await sleep(5);
    // What the trainer does at the end of an experience: save the next version, then announce it.
    const store = new FileModelStore(join(dir, 'models-store'));
    const v2 = await store.saveVersion('m', await store.loadVersionState('m', 1), { trainedThrough: 0, samplesSeen: 64 });
    await publishEvent(stack.deps.bus, 'modelUpdated', {
      header: newEventHeader({ modelId: 'm', producer: 'trainer' }),
      version: versionToWire(v2),
      reason: 'experience-closed',
    });
    const deadline = Date.now() + 20_000;
    while (seen.length < 20 || !seen.slice(-20).every((v) => v === 2)) {
      if (Date.now() > deadline) break;
      await sleep(20);
    }
    stop = true;
    await Promise.all(clients);
    expect(failures).toBe(0);
    expect(seen[0]).toBe(1);
    expect(seen.at(-1)).toBe(2);
    // Once a request was served by version 2, no later one went back to version 1.
    const firstNew = seen.indexOf(2);
    expect(seen.slice(firstNew).every((v) => v === 2)).toBe(true);
    expect((await api(stack).describe('m')).versions.map((v) => v.model?.version)).toEqual([2, 1]);
  });

  describe.skipIf(!HAVE_MINILM)('text (needs all-MiniLM-L6-v2: run `npx mneme import-model`)', () => {
    it('embeds texts with the default encoder: unit vectors, pooling per request, same numbers batched or alone', async () => {
      stack = await startStack(dir, { maxDelayMs: 10 });
      const { embed } = api(stack);
      const sentences = ['A cat sits on the mat.', 'A kitten is sitting on a rug.', 'Quarterly revenue grew by ten percent.'];
      const res = await embed({ inputs: sentences.map(text) });
      expect(res.servedBy).toEqual({ modelId: '', version: 0 });
      const t = fromWire(res.embeddings!, { expectDtype: 'float32' });
      expect(t.shape).toEqual([3, 384]);
      const rows = [0, 1, 2].map((i) => t.data.subarray(i * 384, (i + 1) * 384));
      for (const r of rows) expect(norm(r)).toBeCloseTo(1, 4);
      const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
      expect(dot(rows[0]!, rows[1]!)).toBeGreaterThan(dot(rows[0]!, rows[2]!));
      const cls = fromWire((await embed({ inputs: [text(sentences[0]!)], pooling: Pooling.POOLING_CLS, unnormalized: true })).embeddings!, {
        expectDtype: 'float32',
      });
      expect(norm(cls.data)).not.toBeCloseTo(1, 2);
      // Concurrent requests (batched together) give the numbers each gets alone.
      const together = await Promise.all(sentences.map((s) => embed({ inputs: [text(s)] })));
      together.forEach((r, i) => {
        const v = fromWire(r.embeddings!, { expectDtype: 'float32' }).data;
        v.forEach((x, j) => expect(x).toBeCloseTo(rows[i]![j]!, 4));
      });
      expect((await failure(embed({ inputs: [text('ok'), text('  ')] }))).message).toContain('input 1: text is empty');
    });

    it('predicts for a text model: one embedding pass by its frozen encoder, then its head', async () => {
      stack = await startStack(dir);
      const c = stack.trainer;
      const spec = {
        base: DEFAULT_MODEL,
        scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
        strategy: { name: 'naive', options: {} },
        labels: ['pos', 'neg', 'other'],
        seed: 1,
      };
      await unary(c.createModel.bind(c), { modelId: 't', spec });
      const res = await api(stack).predict({
        model: { modelId: 't', version: 0 },
        inputs: [text('great product'), text('awful service')],
        topK: 2,
      });
      expect(res.servedBy).toEqual({ modelId: 't', version: 1 });
      expect(res.predictions.map((p) => p.scores.length)).toEqual([2, 2]);
      const embedded = await api(stack).embed({ model: { modelId: 't', version: 0 }, inputs: [text('great product')] });
      expect(fromWire(embedded.embeddings!, { expectDtype: 'float32' }).shape).toEqual([1, 384]);
    });
  });
});
