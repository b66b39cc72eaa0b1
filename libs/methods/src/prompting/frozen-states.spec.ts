import { createExecutor, Engine } from '@mneme/engine';
import type { Executor } from '@mneme/execution';
import { buildBertEncoder, ENCODER_IO, type BertConfig } from '@mneme/models';
import { tensor } from '@mneme/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { FrozenStates, packStates } from './frozen-states.js';
import { TINY, tinyText } from '../core/text-fixture.test-util.js';
import type { TextInputs } from '../core/text-inputs.js';

const TWO: BertConfig = { ...TINY, numHiddenLayers: 2 };

describe('FrozenStates', () => {
  let executor: Executor;
  let text: TextInputs & { bert: NonNullable<TextInputs['bert']> };
  let forwards = 0;

  beforeAll(async () => {
    const inner = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
    // Counts forward passes: a cached sequence must cost none.
    executor = { ...inner, device: inner.device, forward: (...args) => ((forwards += 1), inner.forward(...args)) };
    text = (await tinyText(inner, TWO)).text as typeof text;
  });

  it("keeps each text's states entering layer 1 at its exact length, equal to the lower layer run alone, and computes them once", async () => {
    const frozen = new FrozenStates(executor, text, 1);
    const tokens = text.tokensOfIds(Int32Array.from([0, 1, 2]));
    forwards = 0;
    const states = await frozen.states(tokens);
    expect(forwards).toBeGreaterThan(0);
    const lower = buildBertEncoder(TWO, text.bert.weights, { layers: [0, 1] });
    for (const [i, t] of tokens.entries()) {
      expect(states[i]!.length).toBe(t.length * TWO.hiddenSize);
      const { [ENCODER_IO.inputsEmbeds]: e } = await executor.forward(text.embeddings, {
        [ENCODER_IO.inputIds]: tensor('int64', [1, t.length], BigInt64Array.from(t, BigInt)),
        [ENCODER_IO.tokenTypeIds]: tensor('int64', [1, t.length], new BigInt64Array(t.length)),
      });
      const alone = await executor.forward(lower, {
        [ENCODER_IO.inputsEmbeds]: e!,
        [ENCODER_IO.attentionMask]: tensor('int64', [1, t.length], new BigInt64Array(t.length).fill(1n)),
      });
      [...(alone[ENCODER_IO.lastHiddenState]!.data as Float32Array)].forEach((v, j) => expect(states[i]![j]).toBeCloseTo(v, 5));
    }
    forwards = 0;
    await frozen.states([tokens[2]!, tokens[0]!]);
    expect(forwards).toBe(0);
  });

  it('evicts the least recently used texts beyond its byte budget', async () => {
    const tokens = text.tokensOfIds(Int32Array.from([0, 1, 2, 3]));
    const bytes = (t: readonly number[]) => t.length * TWO.hiddenSize * 4;
    const frozen = new FrozenStates(executor, text, 1, bytes(tokens[0]!) + bytes(tokens[1]!));
    await frozen.states([tokens[0]!, tokens[1]!]);
    await frozen.states([tokens[2]!]);
    expect(frozen.heldBytes).toBeLessThanOrEqual(bytes(tokens[0]!) + bytes(tokens[1]!));
    forwards = 0;
    await frozen.states([tokens[2]!]);
    expect(forwards).toBe(0);
  });

  it('packs states to a fixed batch shape, filler rows repeating the first, with the mask of each real length', () => {
    const h = 2;
    const packed = packStates([Float32Array.from([1, 2]), Float32Array.from([3, 4, 5, 6])], 3, 4, h);
    expect(packed.states.shape).toEqual([3, 4, 2]);
    expect([...(packed.mask.data as BigInt64Array)].map(Number)).toEqual([1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0]);
    expect([...(packed.states.data as Float32Array)].slice(0, 8)).toEqual([1, 2, 0, 0, 0, 0, 0, 0]);
  });
});
