import { createExecutor, Engine } from '@mneme/engine';
import type { Executor } from '@mneme/execution';
import type { BertConfig } from '@mneme/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { codaPrompt } from './coda-prompt.js';
import { dualPrompt } from './dual-prompt.js';
import { l2p } from './l2p.js';
import { prefixPoolOf, withPrefixPool } from './prefix-pools.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import { batchOf, CLASSES, SAMPLES, TINY, tinyText } from '../core/text-fixture.test-util.js';

const THREE: BertConfig = { ...TINY, numHiddenLayers: 3 };
const H = THREE.hiddenSize;

describe('prefix pools: DualPrompt and CODA-Prompt prompts as the prompt-pool service holds them', () => {
  let executor: Executor;
  let fixture: Awaited<ReturnType<typeof tinyText>>;
  const ctx = (options: Record<string, string>): StrategyContext => ({
    executor,
    classifier: { inputSize: H, hidden: [], classes: CLASSES },
    optimizer: { kind: 'adam' },
    learningRate: 0.05,
    batchSize: 6,
    epochs: 1,
    seed: 7,
    options,
    text: fixture.text,
  });

  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
    fixture = await tinyText(executor, THREE);
  });

  /** Two experiences of two classes, one pass each. */
  const play = async (s: Strategy) => {
    for (const e of [0, 1]) {
      const info = { index: e, classes: [2 * e, 2 * e + 1] };
      await s.beginExperience(info);
      await s.learn(
        batchOf(
          fixture.features,
          fixture.labels,
          [...Array(SAMPLES).keys()].filter((i) => Math.floor(fixture.labels[i]! / 2) === e),
          e,
        ),
      );
      await s.endExperience(info);
    }
  };

  it('reads DualPrompt’s E-prompts as keyed prompts and its G-prompt as shared, and writes served values back', async () => {
    const s = dualPrompt(ctx({ gStart: '0', gEnd: '1', eStart: '1', eEnd: '3', gLength: '2', eLength: '3' }));
    expect(prefixPoolOf('dual-prompt', s.saveState())).toMatchObject({ size: 0, rows: 1, hidden: H });
    await play(s);
    const state = s.saveState();
    const pool = prefixPoolOf('dual-prompt', state)!;
    // Two experiences, two E-prompts of 2 layers × (key, value) × 3 rows; the G-prompt 1 layer × 2 × 2 rows.
    expect(pool).toMatchObject({ method: 'dual-prompt', size: 2, rows: 12, hidden: H });
    expect(pool.prompts.subarray(12 * H)).toEqual(state.params.get('dual-prompt.e1.prompt').data);
    expect(pool.keys.subarray(0, H)).toEqual(state.params.get('dual-prompt.e0.key').data);
    expect(pool.shared.get('g_prompt')).toEqual({ shape: [4, H], data: state.params.get('dual-prompt.g').data });

    const flipped = {
      prompts: pool.prompts.map((x) => -x),
      keys: pool.keys.map((x) => 2 * x),
      shared: new Map([['g_prompt', { shape: [4, H], data: pool.shared.get('g_prompt')!.data.map((x) => x + 1) }]]),
    };
    const served = withPrefixPool('dual-prompt', state, flipped, 'test');
    expect(prefixPoolOf('dual-prompt', served)).toEqual({ ...pool, ...flipped });
    // The state it came from is not changed, and the strategy restores the served one.
    expect(prefixPoolOf('dual-prompt', state)).toEqual(pool);
    s.restoreState(served);
    expect(s.saveState().params.get('dual-prompt.g').data).toEqual(flipped.shared.get('g_prompt')!.data);
  });

  it('reads CODA-Prompt’s components as keyed prompts and its attention vectors as shared', async () => {
    const s = codaPrompt(ctx({ start: '1', end: '3', length: '2', components: '2' }));
    await play(s);
    const state = s.saveState();
    const pool = prefixPoolOf('coda-prompt', state)!;
    expect(pool).toMatchObject({ method: 'coda-prompt', size: 4, rows: 8, hidden: H });
    expect(pool.prompts).toEqual(state.params.get('coda-prompt.components').data);
    expect(pool.shared.get('attention')).toEqual({ shape: [4, H], data: state.params.get('coda-prompt.attention').data });
    const served = withPrefixPool('coda-prompt', state, { ...pool, keys: pool.keys.map((x) => -x) }, 'test');
    expect(served.params.get('coda-prompt.keys').data).toEqual(pool.keys.map((x) => -x));
  });

  it('refuses served values of another geometry, naming each difference, and knows no pool for other strategies', async () => {
    const s = dualPrompt(ctx({ gStart: '0', gEnd: '1', eStart: '1', eEnd: '3' }));
    await play(s);
    const state = s.saveState();
    const pool = prefixPoolOf('dual-prompt', state)!;
    const wrong = {
      prompts: pool.prompts.subarray(1),
      keys: pool.keys,
      shared: new Map([['attention', { shape: [1], data: new Float32Array(1) }]]),
    };
    expect(() => withPrefixPool('dual-prompt', state, wrong, "model 'm' version 3")).toThrow(
      /model 'm' version 3: the served prompt pool does not fit the version's state: prompts hold \d+ values, the state \d+; shared tensor 'g_prompt' holds no values, the state \d+; shared tensor 'attention' is not one of the state's \(g_prompt\)/,
    );
    expect(prefixPoolOf('l2p', l2p(ctx({})).saveState())).toBeUndefined();
    expect(prefixPoolOf('coda-prompt', state)).toBeUndefined();
  });
});
