import { createExecutor, Engine } from '@mneme/engine';
import type { Executor, GradientRequest } from '@mneme/execution';
import { beforeAll, describe, expect, it } from 'vitest';
import { l2p } from './l2p.js';
import { L2P_IO } from './l2p-graphs.js';
import { POOL_PARAMS, selectPrompts } from './prompt-pool.js';
import type { StrategyContext } from '../strategy.js';
import { batchOf, CLASSES, SAMPLES, TINY, tinyText } from '../core/text-fixture.test-util.js';

describe('selectPrompts', () => {
  it('picks the keys with the highest cosine similarity, best first', () => {
    const keys = Float32Array.from([1, 0, 0, 1, -1, 0, 0.9, 0.1]);
    // The query's cosine with each key: 0.99, 0.14, -0.99, 1.0 (scale does not matter).
    const picked = selectPrompts(Float32Array.from([10, 1]), keys, 2, 2);
    expect([...picked]).toEqual([3, 0]);
  });

  it('with the diversity penalty, prefers prompts rarely chosen before', () => {
    const keys = Float32Array.from([1, 0, 0, 1, -1, 0]);
    const frequency = Float32Array.from([1, 0, 0]);
    // Prompt 0 is the closest but was the only one used; the unused ones win, closest first.
    expect([...selectPrompts(Float32Array.from([1, 0.2]), keys, 2, 2, frequency)]).toEqual([1, 2]);
  });
});

describe('l2p on token inputs (tiny random BERT)', () => {
  let executor: Executor;
  let fixture: Awaited<ReturnType<typeof tinyText>>;
  const requests: GradientRequest[] = [];
  const context = (options: Record<string, string> = {}): StrategyContext => ({
    executor,
    classifier: { inputSize: TINY.hiddenSize, hidden: [], classes: CLASSES },
    optimizer: { kind: 'adam' },
    learningRate: 0.01,
    batchSize: 6,
    epochs: 1,
    seed: 1,
    options: { size: '4', length: '2', select: '2', ...options },
    text: fixture.text,
  });

  beforeAll(async () => {
    const engine = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
    // Records every gradient request, to check what is differentiated.
    executor = {
      ...engine,
      device: engine.device,
      forward: engine.forward.bind(engine),
      trainStep: engine.trainStep.bind(engine),
      lossAndGradients: (m, f, r) => (requests.push(r), engine.lossAndGradients(m, f, r)),
    };
    fixture = await tinyText(executor);
  });

  it('differentiates prompts, keys and head only, and updates only the selected prompts', async () => {
    const s = l2p(context());
    await s.beginExperience({ index: 0, classes: [0, 1, 2, 3] });
    const before = s.saveState().params;
    requests.length = 0;
    const batch = batchOf(fixture.features, fixture.labels, [0, 1, 2, 3, 4, 5]);
    await s.learn(batch);
    expect(requests.map((r) => [...r.wrt].sort())).toEqual([[L2P_IO.headBias, L2P_IO.headWeight, L2P_IO.prompts, L2P_IO.keys].sort()]);
    // The encoder's weights are no parameters: nothing of the encoder is in the state.
    expect(s.saveState().params.names().sort()).toEqual([L2P_IO.headBias, L2P_IO.headWeight, POOL_PARAMS.keys, POOL_PARAMS.prompts].sort());
    const after = s.saveState().params;
    const selected = new Set(selectPrompts(batch.features, before.get(POOL_PARAMS.keys).data, TINY.hiddenSize, 2));
    const rowSize = 2 * TINY.hiddenSize;
    for (let m = 0; m < 4; m++) {
      const was = before.get(POOL_PARAMS.prompts).data.subarray(m * rowSize, (m + 1) * rowSize);
      const now = after.get(POOL_PARAMS.prompts).data.subarray(m * rowSize, (m + 1) * rowSize);
      if (selected.has(m)) expect(now).not.toEqual(was);
      else expect(now).toEqual(was);
      const keyWas = before.get(POOL_PARAMS.keys).data.subarray(m * TINY.hiddenSize, (m + 1) * TINY.hiddenSize);
      const keyNow = after.get(POOL_PARAMS.keys).data.subarray(m * TINY.hiddenSize, (m + 1) * TINY.hiddenSize);
      if (!selected.has(m)) expect(keyNow).toEqual(keyWas);
    }
    expect(after.get(L2P_IO.headWeight).data).not.toEqual(before.get(L2P_IO.headWeight).data);
  });

  it('frees the executor sessions of the graphs it replaces when its head grows', async () => {
    const released: unknown[] = [];
    const s = l2p({ ...context(), executor: { ...executor, release: (m) => (released.push(m), Promise.resolve()) } });
    await s.beginExperience({ index: 0, classes: [0, 1, 2, 3] });
    await s.learn(batchOf(fixture.features, fixture.labels, [0, 1, 2, 3, 4, 5]));
    await s.predict(fixture.features);
    expect(released).toHaveLength(0);
    s.growClasses(CLASSES + 2);
    // The train and prediction graphs baked the old width: both are released, and rebuilt on use.
    expect(released).toHaveLength(2);
    await s.learn(batchOf(fixture.features, fixture.labels, [0, 1, 2, 3, 4, 5]));
    expect(s.classCount()).toBe(CLASSES + 2);
  });

  it('pulls the selected keys towards their queries (the surrogate loss)', async () => {
    const s = l2p(context({ lambda: '1' }));
    await s.beginExperience({ index: 0, classes: [0, 1, 2, 3] });
    const batch = batchOf(fixture.features, fixture.labels, [0, 4, 8, 12, 16, 20]);
    const similarity = () => {
      const keys = s.saveState().params.get(POOL_PARAMS.keys).data;
      const h = TINY.hiddenSize;
      const picked = selectPrompts(batch.features, keys, h, 2);
      let total = 0;
      picked.forEach((m, i) => {
        const q = batch.features.subarray(Math.floor(i / 2) * h, (Math.floor(i / 2) + 1) * h);
        const k = keys.subarray(m * h, (m + 1) * h);
        total += q.reduce((a, x, d) => a + x * k[d]!, 0) / (Math.hypot(...q) * Math.hypot(...k));
      });
      return total;
    };
    const start = similarity();
    for (let i = 0; i < 5; i++) await s.learn(batch);
    expect(similarity()).toBeGreaterThan(start);
  });

  it('learns the tiny task and round-trips its state bit-exactly', async () => {
    const s = l2p(context({ diversity: 'on' }));
    const ids = [...Array(SAMPLES).keys()];
    await s.beginExperience({ index: 0, classes: [0, 1] });
    const first = ids.filter((i) => fixture.labels[i]! < 2);
    await s.learn(batchOf(fixture.features, fixture.labels, first.slice(0, 6)));
    await s.endExperience({ index: 0, classes: [0, 1] });
    const saved = s.saveState();
    const predicted = await s.predict(fixture.features);
    await s.beginExperience({ index: 1, classes: [2, 3] });
    await s.learn(batchOf(fixture.features, fixture.labels, ids.filter((i) => fixture.labels[i]! >= 2).slice(0, 6)));
    const resumed = l2p(context({ diversity: 'on' }));
    resumed.restoreState({ params: saved.params, data: JSON.parse(JSON.stringify(saved.data)) as Record<string, unknown> });
    expect(await resumed.predict(fixture.features)).toEqual(predicted);
    expect((saved.data as { counts: number[] }).counts.reduce((a, c) => a + c, 0)).toBe(6 * 2);
    // Predictions of samples the benchmark never produced are refused by the text view; here the
    // fixture resolves only its own rows, so predict covers exactly them.
    expect(predicted.length).toBe(SAMPLES);
  });

  it('with a fitted head, fits it on the prompted features at each experience’s end (each sample once) and resumes mid-experience', async () => {
    const ids = [...Array(SAMPLES).keys()];
    const first = ids.filter((i) => fixture.labels[i]! < 2);
    const second = ids.filter((i) => fixture.labels[i]! >= 2);
    for (const kind of ['class-mean', 'ridge']) {
      const s = l2p(context({ head: kind, projection: '32' }));
      await s.beginExperience({ index: 0, classes: [0, 1] });
      // Nothing is fitted before an experience ends.
      expect([...(await s.predict(fixture.features))].every((c) => c === -1)).toBe(true);
      // Two epochs of the same samples: the fit counts each once.
      for (let pass = 0; pass < 2; pass++) await s.learn(batchOf(fixture.features, fixture.labels, first));
      await s.endExperience({ index: 0, classes: [0, 1] });
      const afterFirst = await s.predict(fixture.features);
      expect(new Set(afterFirst)).toEqual(new Set([0, 1]));
      await s.beginExperience({ index: 1, classes: [2, 3] });
      await s.learn(batchOf(fixture.features, fixture.labels, second.slice(0, 6)));
      // Saved with samples waiting for the fit: a fresh instance resumes and ends the same way.
      const mid = s.saveState();
      const resumed = l2p(context({ head: kind, projection: '32' }));
      resumed.restoreState({ params: mid.params, data: JSON.parse(JSON.stringify(mid.data)) as Record<string, unknown> });
      for (const x of [s, resumed]) {
        await x.learn(batchOf(fixture.features, fixture.labels, second.slice(6)));
        await x.endExperience({ index: 1, classes: [2, 3] });
      }
      const both = await s.predict(fixture.features);
      expect(await resumed.predict(fixture.features)).toEqual(both);
      const accuracy = [...both].filter((c, i) => c === fixture.labels[i]).length / SAMPLES;
      expect(accuracy, kind).toBeGreaterThan(0.5);
      // The fitted head's state and the samples waiting for it nest in L2P's.
      const nested = mid.data as { head?: unknown; pending?: { ids: number[] } };
      expect(nested.head).toBeDefined();
      expect(nested.pending!.ids).toEqual(second.slice(0, 6));
    }
  });

  it('predicts from token ids passed in PredictOptions.tokens as from the rows mapped back to tokens, and checks their count', async () => {
    const s = l2p(context());
    await s.beginExperience({ index: 0, classes: [0, 1, 2, 3] });
    await s.learn(batchOf(fixture.features, fixture.labels, [0, 1, 2, 3, 4, 5]));
    const mapped = await s.predict(fixture.features);
    const tokens = fixture.text.tokensOfIds(Int32Array.from({ length: SAMPLES }, (_, i) => i));
    // A text view that cannot map rows back (the services'): the tokens passed are what it uses.
    const services = l2p({
      ...context(),
      text: {
        ...fixture.text,
        tokensOfFeatures: () => {
          throw new Error('rows are not mapped back when tokens are passed');
        },
      },
    });
    services.restoreState(s.saveState());
    expect(await services.predict(fixture.features, { tokens })).toEqual(mapped);
    await expect(services.predict(fixture.features, { tokens: tokens.slice(1) })).rejects.toThrow(
      `l2p: ${SAMPLES - 1} token sequences for ${SAMPLES} feature rows`,
    );
  });

  it('with head=cosine, trains no bias and scores by scaled cosine (logit norms cannot favour new classes)', async () => {
    const s = l2p(context({ head: 'cosine', scale: '10' }));
    await s.beginExperience({ index: 0, classes: [0, 1, 2, 3] });
    requests.length = 0;
    const batch = batchOf(fixture.features, fixture.labels, [0, 1, 2, 3, 4, 5]);
    await s.learn(batch);
    expect(requests.map((r) => [...r.wrt].sort())).toEqual([[L2P_IO.headWeight, L2P_IO.prompts, L2P_IO.keys].sort()]);
    expect(s.saveState().params.names().sort()).toEqual([L2P_IO.headWeight, POOL_PARAMS.keys, POOL_PARAMS.prompts].sort());
    // Scaling a class's column changes nothing: predictions depend on directions only.
    const state = s.saveState();
    const predicted = await s.predict(fixture.features);
    const weight = state.params.get(L2P_IO.headWeight).data;
    for (let d = 0; d < TINY.hiddenSize; d++) weight[d * CLASSES + 2] = weight[d * CLASSES + 2]! * 50;
    const scaled = l2p(context({ head: 'cosine', scale: '10' }));
    scaled.restoreState(state);
    expect(await scaled.predict(fixture.features)).toEqual(predicted);
  });

  it('with pooling=input, pools the input tokens only and still trains the prompts through attention', async () => {
    const s = l2p(context({ pooling: 'input', lambda: '0' }));
    await s.beginExperience({ index: 0, classes: [0, 1, 2, 3] });
    const before = s.saveState().params;
    const batch = batchOf(fixture.features, fixture.labels, [0, 1, 2, 3, 4, 5]);
    await s.learn(batch);
    const after = s.saveState().params;
    expect(after.get(POOL_PARAMS.prompts).data).not.toEqual(before.get(POOL_PARAMS.prompts).data);
    expect(() => l2p({ ...context(), options: { pooling: 'tokens' } })).toThrow(/pooling must be one of sentence, prompt, input/);
  });
});
