import { createExecutor, Engine } from '@mneme/engine';
import type { Executor } from '@mneme/execution';
import type { BertConfig } from '@mneme/models';
import { Rng } from '@mneme/random';
import { beforeAll, describe, expect, it } from 'vitest';
import { codaPrompt, orthonormalRows } from './coda-prompt.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import { batchOf, CLASSES, SAMPLES, TINY, tinyText } from '../core/text-fixture.test-util.js';

const THREE: BertConfig = { ...TINY, numHiddenLayers: 3 };
const ids = [...Array(SAMPLES).keys()];
const experienceIds = (e: number, labels: Int32Array) => ids.filter((i) => Math.floor(labels[i]! / 2) === e);

describe('orthonormalRows', () => {
  it('adds unit rows orthogonal to the earlier ones', () => {
    const rows = new Float32Array(4 * 6);
    orthonormalRows(rows, 0, 2, 6, Rng.seeded(1));
    orthonormalRows(rows, 2, 2, 6, Rng.seeded(2));
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        const dot = [...Array(6).keys()].reduce((s, i) => s + rows[a * 6 + i]! * rows[b * 6 + i]!, 0);
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
  });
});

describe('coda-prompt on token inputs', () => {
  let executor: Executor;
  let fixture: Awaited<ReturnType<typeof tinyText>>;
  const ctx = (options: Record<string, string>): StrategyContext => ({
    executor,
    classifier: { inputSize: THREE.hiddenSize, hidden: [], classes: CLASSES },
    optimizer: { kind: 'adam' },
    learningRate: 0.05,
    batchSize: 6,
    epochs: 1,
    seed: 3,
    options,
    text: fixture.text,
  });

  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
    fixture = await tinyText(executor, THREE);
  });

  async function play(s: Strategy, epochs: number, after?: (e: number) => void): Promise<void> {
    for (const e of [0, 1]) {
      const info = { index: e, classes: [2 * e, 2 * e + 1] };
      await s.beginExperience(info);
      const mine = experienceIds(e, fixture.labels);
      for (let pass = 0; pass < epochs; pass++)
        for (let at = 0; at < mine.length; at += 6) await s.learn(batchOf(fixture.features, fixture.labels, mine.slice(at, at + 6), e));
      await s.endExperience(info);
      after?.(e);
    }
  }

  it("adds each experience's components and trains only those: earlier rows stay exactly as they ended", async () => {
    const s = codaPrompt(ctx({ start: '1', end: '3', components: '3' }));
    const snapshots: Record<string, Float32Array>[] = [];
    await play(s, 2, () => {
      const p = s.saveState().params;
      snapshots.push(
        Object.fromEntries(
          ['coda-prompt.keys', 'coda-prompt.attention', 'coda-prompt.components'].map((n) => [n, p.get(n).data.slice() as Float32Array]),
        ),
      );
    });
    const [first, second] = snapshots as [Record<string, Float32Array>, Record<string, Float32Array>];
    for (const name of Object.keys(first)) {
      expect(second[name]!.length).toBe(2 * first[name]!.length);
      expect(second[name]!.subarray(0, first[name]!.length)).toEqual(first[name]);
    }
  });

  it.each(['linear', 'class-mean'])('learns two experiences above chance with head=%s', async (head) => {
    const s = codaPrompt(ctx({ start: '1', end: '3', components: '4', head }));
    await play(s, 4);
    const predicted = await s.predict(fixture.features);
    const accuracy = [...predicted].filter((c, i) => c === fixture.labels[i]).length / SAMPLES;
    expect(accuracy).toBeGreaterThanOrEqual(head === 'linear' ? 0.5 : 0.75);
  });

  it('names bad layer settings', () => {
    expect(() => codaPrompt(ctx({ start: '2', end: '2' }))).toThrow(/end \(2\) must be above start \(2\)/);
    expect(() => codaPrompt(ctx({ start: '0', end: '4' }))).toThrow(/layers up to 3 asked, the encoder has 3/);
  });
});
