import { createExecutor, Engine } from '@mneme/engine';
import type { Executor } from '@mneme/execution';
import type { BertConfig } from '@mneme/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../heads/gram-statistics.js';
import { PromptedRetriever, type RetrievalPair } from './prompted-retriever.js';
import type { TextInputs } from '../core/text-inputs.js';
import { CLASSES, SAMPLES, TINY, tinyText } from '../core/text-fixture.test-util.js';

/** Three layers: the prompt in the upper two, the lowest one frozen and cached. */
const THREE: BertConfig = { ...TINY, numHiddenLayers: 3 };

describe('PromptedRetriever', () => {
  let executor: Executor;
  let text: TextInputs;
  let labels: Int32Array;
  let tokens: readonly (readonly number[])[];
  const ids = [...Array(SAMPLES).keys()];

  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
    const fixture = await tinyText(executor, THREE);
    text = fixture.text;
    labels = fixture.labels;
    tokens = text.tokensOfIds(Int32Array.from(ids));
  });

  /** Same-class pairs (consecutive samples of each class), grouped by class. */
  const pairs = (): RetrievalPair[] => {
    const out: RetrievalPair[] = [];
    for (let c = 0; c < CLASSES; c++) {
      const members = ids.filter((i) => labels[i] === c);
      for (let k = 0; k + 1 < members.length; k++) out.push({ query: tokens[members[k]!]!, positive: tokens[members[k + 1]!]!, group: c });
    }
    return out;
  };

  it('trains the prompt to lower the contrastive loss of its pairs', async () => {
    const r = new PromptedRetriever(executor, text, { layers: [1, 3], learningRate: 0.05, pairsPerBatch: 8, initScale: 0.1, seed: 1 });
    const before = await r.embed(tokens);
    for (const v of [0, 5, 23].map((row) => before.subarray(row * THREE.hiddenSize, (row + 1) * THREE.hiddenSize)))
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    const first = await r.train(pairs(), { epochs: 1 });
    expect(first.steps).toBe(Math.ceil(pairs().length / 8));
    await r.train(pairs(), { epochs: 40 });
    // The loss before each step of one more pass: what the trained prompt scores.
    const trained = await r.train(pairs(), { epochs: 1 });
    expect(trained.meanLoss).toBeLessThan(first.meanLoss - 0.1);
    // Only the prompt moved: the frozen part gives every text the same states, now prompted differently.
    const after = await r.embed(tokens);
    expect(after).not.toEqual(before);
    for (const row of [0, 11])
      expect(Math.hypot(...after.subarray(row * THREE.hiddenSize, (row + 1) * THREE.hiddenSize))).toBeCloseTo(1, 5);
    await r.dispose();
  });

  it('does not use pairs of one group as negatives: a batch of one group has nothing to learn', async () => {
    const r = new PromptedRetriever(executor, text, { layers: [1, 3], learningRate: 0.05, pairsPerBatch: 8, seed: 2 });
    const before = await r.embed(tokens);
    const oneGroup = pairs().map((p) => ({ ...p, group: 0 }));
    const { meanLoss } = await r.train(oneGroup, { epochs: 2 });
    expect(meanLoss).toBeCloseTo(0, 6);
    expect(await r.embed(tokens)).toEqual(before);
    // Without groups the same pairs are each other's negatives and the prompt moves.
    const { meanLoss: ungrouped } = await r.train(
      oneGroup.map(({ query, positive }) => ({ query, positive })),
      { epochs: 1 },
    );
    expect(ungrouped).toBeGreaterThan(0.1);
    expect(await r.embed(tokens)).not.toEqual(before);
    await r.dispose();
  });

  it('anchors the prompt to its value at the start of the experience', async () => {
    const drift = async (anchor: number): Promise<number> => {
      const r = new PromptedRetriever(executor, text, { layers: [1, 3], learningRate: 0.05, pairsPerBatch: 8, anchor, seed: 3 });
      r.beginExperience();
      const start = r.prompt.slice();
      await r.train(pairs(), { epochs: 10 });
      const moved = Math.hypot(...r.prompt.map((x, i) => x - start[i]!));
      await r.dispose();
      return moved;
    };
    expect(await drift(100)).toBeLessThan(0.5 * (await drift(0)));
  });

  it('embeds with the mean of the experiences’ final prompts when averaging', async () => {
    const r = new PromptedRetriever(executor, text, { layers: [1, 3], learningRate: 0.05, pairsPerBatch: 8, average: true, seed: 4 });
    const ends: Float32Array[] = [];
    for (const c of [0, 1]) {
      r.beginExperience();
      await r.train(pairs().filter((p) => p.group === c || p.group === c + 2));
      r.endExperience();
      // The latest prompt (not the average) is what the state saves as `prompt`.
      ends.push(fromBase64(r.save().prompt, Float32Array));
    }
    expect(ends[0]).not.toEqual(ends[1]);
    const mean = ends[0]!.map((x, i) => (x + ends[1]![i]!) / 2);
    const prompt = r.prompt;
    for (let i = 0; i < mean.length; i += 97) expect(prompt[i]).toBeCloseTo(mean[i]!, 6);
    await r.dispose();
  });

  it('restores a saved state exactly and refuses one of another shape without changing', async () => {
    const a = new PromptedRetriever(executor, text, { layers: [1, 3], learningRate: 0.05, pairsPerBatch: 8, seed: 5 });
    await a.train(pairs(), { epochs: 3 });
    a.endExperience();
    const state = JSON.parse(JSON.stringify(a.save())) as ReturnType<typeof a.save>;
    const b = new PromptedRetriever(executor, text, { layers: [1, 3], seed: 6 });
    const untrained = await b.embed(tokens);
    expect(() => b.restore({ ...state, length: 7 })).toThrow(/prompt shape \(length 7/);
    expect(() => b.restore({ ...state, layers: [0, 3] })).toThrow(/layers \[0,3\] differ/);
    expect(() => b.restore({ ...state, prompt: state.prompt.slice(0, 8) })).toThrow(
      /cannot restore the prompted retriever: prompt is not base64 float32 values/,
    );
    expect(await b.embed(tokens)).toEqual(untrained);
    b.restore(state);
    expect(await b.embed(tokens)).toEqual(await a.embed(tokens));
    await Promise.all([a.dispose(), b.dispose()]);
  });

  it('names every bad option, a missing encoder and a text without [CLS] and [SEP]', async () => {
    expect(() => new PromptedRetriever(executor, text, { layers: [2, 5], length: 0, temperature: -1, anchor: -2 })).toThrow(
      /layers must be \[start, end\) with 0 ≤ start < end ≤ 3, got \[2, 5\).*length must be a positive integer.*temperature must be positive.*anchor must be ≥ 0/,
    );
    const { bert: _bert, ...noBert } = text;
    expect(() => new PromptedRetriever(executor, noBert, {})).toThrow(/needs a BERT-shaped encoder/);
    const r = new PromptedRetriever(executor, text, { layers: [1, 3] });
    await expect(r.train([{ query: [1], positive: tokens[0]! }])).rejects.toThrow(/pair 0: the query needs at least \[CLS\] and \[SEP\]/);
    await expect(r.embed([tokens[0]!, []])).rejects.toThrow(/text 1: needs at least/);
    await expect(r.train(pairs(), { epochs: 0 })).rejects.toThrow(/epochs must be a positive integer/);
    await r.dispose();
  });
});
