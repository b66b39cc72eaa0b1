import { createExecutor, Engine } from '@mneme/engine';
import type { Executor } from '@mneme/execution';
import type { BertConfig } from '@mneme/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { dualPrompt } from './dual-prompt.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import { batchOf, CLASSES, SAMPLES, TINY, tinyText } from '../core/text-fixture.test-util.js';

/** Three layers: room for a G-prompt, E-prompts and a frozen layer below them. */
const THREE: BertConfig = { ...TINY, numHiddenLayers: 3 };
const ids = [...Array(SAMPLES).keys()];
/** Experience e holds classes 2e and 2e + 1. */
const experienceIds = (e: number, labels: Int32Array) => ids.filter((i) => Math.floor(labels[i]! / 2) === e);

describe('dual-prompt on token inputs', () => {
  let executor: Executor;
  let fixture: Awaited<ReturnType<typeof tinyText>>;
  const ctx = (options: Record<string, string>): StrategyContext => ({
    executor,
    classifier: { inputSize: THREE.hiddenSize, hidden: [], classes: CLASSES },
    optimizer: { kind: 'adam' },
    learningRate: 0.05,
    batchSize: 6,
    epochs: 1,
    seed: 7,
    options,
    text: fixture.text,
  });

  let forwards = 0;

  beforeAll(async () => {
    const inner = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
    // Counts runs of the prompted graphs (feature caching must save them; heads run their own).
    executor = {
      ...inner,
      device: inner.device,
      forward: (...args) => ((forwards += args[0].graph.name.startsWith('prefix-') ? 1 : 0), inner.forward(...args)),
    };
    fixture = await tinyText(inner, THREE);
  });

  /** Two experiences of two classes, `epochs` passes each, in batches of 6. */
  async function play(s: Strategy, epochs = 4): Promise<void> {
    for (const e of [0, 1]) {
      const info = { index: e, classes: [2 * e, 2 * e + 1] };
      await s.beginExperience(info);
      const mine = experienceIds(e, fixture.labels);
      for (let pass = 0; pass < epochs; pass++)
        for (let at = 0; at < mine.length; at += 6) await s.learn(batchOf(fixture.features, fixture.labels, mine.slice(at, at + 6), e));
      await s.endExperience(info);
    }
  }

  const accuracy = async (s: Strategy) => {
    const predicted = await s.predict(fixture.features);
    return [...predicted].filter((c, i) => c === fixture.labels[i]).length / SAMPLES;
  };

  it('trains only the current E-prompt and its key: an ended experience keeps its prompt exactly, the G-prompt stops after the first with shared=first', async () => {
    const s = dualPrompt(ctx({ gStart: '0', gEnd: '1', eStart: '1', eEnd: '3', shared: 'first' }));
    const info0 = { index: 0, classes: [0, 1] };
    await s.beginExperience(info0);
    const start = s.saveState().params;
    await s.learn(batchOf(fixture.features, fixture.labels, experienceIds(0, fixture.labels), 0));
    const afterOne = s.saveState().params;
    for (const name of ['dual-prompt.g', 'dual-prompt.e0.prompt', 'dual-prompt.e0.key'])
      expect(afterOne.get(name).data).not.toEqual(start.get(name).data);
    await s.endExperience(info0);
    const info1 = { index: 1, classes: [2, 3] };
    await s.beginExperience(info1);
    await s.learn(batchOf(fixture.features, fixture.labels, experienceIds(1, fixture.labels), 1));
    const afterTwo = s.saveState().params;
    for (const name of ['dual-prompt.g', 'dual-prompt.e0.prompt', 'dual-prompt.e0.key'])
      expect(afterTwo.get(name).data).toEqual(afterOne.get(name).data);
  });

  it('pulls each E-prompt key towards its experience’s queries', async () => {
    const s = dualPrompt(ctx({ gEnd: '0', eStart: '2', eEnd: '3' }));
    const cosToMean = (key: Float32Array, e: number) => {
      const h = THREE.hiddenSize;
      const mean = new Float32Array(h);
      for (const i of experienceIds(e, fixture.labels)) for (let d = 0; d < h; d++) mean[d]! += fixture.features[i * h + d]!;
      const dot = key.reduce((a, k, d) => a + k * mean[d]!, 0);
      return dot / (Math.hypot(...key) * Math.hypot(...mean));
    };
    await s.beginExperience({ index: 0, classes: [0, 1] });
    const before = cosToMean(s.saveState().params.get('dual-prompt.e0.key').data, 0);
    for (let pass = 0; pass < 6; pass++) await s.learn(batchOf(fixture.features, fixture.labels, experienceIds(0, fixture.labels), 0));
    const after = cosToMean(s.saveState().params.get('dual-prompt.e0.key').data, 0);
    expect(after).toBeGreaterThan(before + 0.1);
  });

  it.each(['linear', 'cosine', 'class-mean', 'ridge'])(
    'learns two experiences above chance with head=%s, prompts above a frozen layer',
    async (head) => {
      const s = dualPrompt(ctx({ gStart: '1', gEnd: '2', eStart: '2', eEnd: '3', head, projection: '32' }));
      await play(s);
      // Four balanced classes: chance is 0.25. Trained heads forget some of the first experience (the
      // train mask keeps its logits out of the second's loss, not its drift); fitted heads do not.
      expect(await accuracy(s)).toBeGreaterThanOrEqual(head === 'linear' || head === 'cosine' ? 0.5 : 0.75);
    },
  );

  it('predicts the same after a save and a restore into a fresh instance, and with the texts’ tokens passed in', async () => {
    const options = { gEnd: '1', eStart: '1', eEnd: '3', head: 'class-mean' };
    const s = dualPrompt(ctx(options));
    await play(s, 2);
    const predicted = await s.predict(fixture.features);
    const fresh = dualPrompt(ctx(options));
    const saved = s.saveState();
    fresh.restoreState({ params: saved.params, data: JSON.parse(JSON.stringify(saved.data)) as Record<string, unknown> });
    expect(await fresh.predict(fixture.features)).toEqual(predicted);
    const tokens = fixture.text.tokensOfIds(Int32Array.from(ids));
    expect(await fresh.predict(fixture.features, { tokens })).toEqual(predicted);
  });

  it('runs the G-prompt alone (eEnd = eStart), trained in the first experience only with shared=first, under a fitted head', async () => {
    const s = dualPrompt(ctx({ gStart: '1', gEnd: '3', eStart: '3', eEnd: '3', shared: 'first', head: 'ridge', projection: '32' }));
    const gAfter: Float32Array[] = [];
    for (const e of [0, 1]) {
      const info = { index: e, classes: [2 * e, 2 * e + 1] };
      await s.beginExperience(info);
      for (let pass = 0; pass < 3; pass++) await s.learn(batchOf(fixture.features, fixture.labels, experienceIds(e, fixture.labels), e));
      await s.endExperience(info);
      gAfter.push(s.saveState().params.get('dual-prompt.g').data.slice());
    }
    expect(gAfter[1]).toEqual(gAfter[0]);
    // Frozen prompts: a second prediction of the same texts reuses their features, runs no prompted graph.
    const predicted = await s.predict(fixture.features);
    const runs = forwards;
    expect(await s.predict(fixture.features)).toEqual(predicted);
    expect(forwards).toBe(runs);
    expect([...s.saveState().params.names()].some((n) => n.startsWith('dual-prompt.e'))).toBe(false);
    expect(await accuracy(s)).toBeGreaterThanOrEqual(0.75);
  });

  it('refuses a state that lacks its prompts, naming them, and changes nothing', async () => {
    const s = dualPrompt(ctx({ gEnd: '1', eStart: '1', eEnd: '3', head: 'class-mean' }));
    await play(s, 1);
    const before = await s.predict(fixture.features);
    const saved = s.saveState();
    // Bookkeeping that claims a third E-prompt the parameters do not hold.
    const source = { ...(saved.data['source'] as Record<string, unknown>), experts: 3 };
    expect(() => s.restoreState({ params: saved.params, data: { ...saved.data, source } })).toThrow(
      /lacks dual-prompt\.e2\.prompt, dual-prompt\.e2\.key/,
    );
    expect(await s.predict(fixture.features)).toEqual(before);
    expect(s.saveState().data).toEqual(saved.data);
  });

  it('names bad layer settings, all at once', () => {
    expect(() => dualPrompt(ctx({ gStart: '0', gEnd: '2', eStart: '1', eEnd: '3' }))).toThrow(
      /G layers \[0, 2\) and E layers \[1, 3\) overlap/,
    );
    expect(() => dualPrompt(ctx({ gEnd: '0', eStart: '2', eEnd: '5' }))).toThrow(/layers up to 4 asked, the encoder has 3/);
    expect(() => dualPrompt(ctx({ gEnd: '0', eStart: '2', eEnd: '2' }))).toThrow(/no prompt layers/);
    expect(() => dualPrompt(ctx({ gEnd: '1', eStart: '2', eEnd: '1' }))).toThrow(/eEnd \(1\) must not be below eStart \(2\)/);
  });
});
