/** Every registered strategy declares its capabilities, and what it declares matches what it does. */
import { createExecutor, Engine } from '@mneme/engine';
import type { Executor } from '@mneme/execution';
import { beforeAll, describe, expect, it } from 'vitest';
import { Classifier } from './core/classifier.js';
import { PREFIX_POOL_STRATEGIES } from './prompting/prefix-pools.js';
import {
  STRATEGIES,
  STRATEGY_CAPABILITIES,
  STRATEGY_OPTIONS,
  STRATEGY_REGISTRY,
  strategyCapabilities,
  strategyFactory,
} from './registry.js';

const names = Object.keys(STRATEGY_REGISTRY);

describe('strategy capabilities', () => {
  let executor: Executor;
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
  });

  it('are declared by every registered strategy, with known values', () => {
    expect(Object.keys(STRATEGIES)).toEqual(names);
    expect(Object.keys(STRATEGY_OPTIONS)).toEqual(names);
    expect(Object.keys(STRATEGY_CAPABILITIES)).toEqual(names);
    for (const name of names) {
      const c = strategyCapabilities(name);
      expect(c, name).toBe(STRATEGY_REGISTRY[name]!.capabilities);
      expect(['features', 'tokens'], name).toContain(c.inputs);
      expect(['online', 'offline'], name).toContain(c.training);
      expect([undefined, 'l2p', 'dual-prompt', 'coda-prompt'], name).toContain(c.promptPool);
      expect(typeof c.softmaxHead, name).toBe('boolean');
      expect(typeof c.distillsItself, name).toBe('boolean');
      expect(
        Object.keys(c).filter((k) => !['inputs', 'training', 'promptPool', 'softmaxHead', 'distillsItself'].includes(k)),
        name,
      ).toEqual([]);
    }
  });

  it('of an unknown name is an error listing the valid names (a prototype key is no strategy)', () => {
    expect(() => strategyCapabilities('nope')).toThrow(/unknown strategy 'nope'; valid strategies: .*joint/);
    expect(() => strategyCapabilities('toString')).toThrow(/unknown strategy 'toString'/);
    expect(() => strategyFactory('constructor')).toThrow(/unknown strategy 'constructor'/);
  });

  it('give prompt pools to token-level strategies only, the prefix pools to the strategies prefixPoolOf reads', () => {
    for (const name of names) {
      const c = strategyCapabilities(name);
      if (c.promptPool !== undefined) expect(c.inputs, name).toBe('tokens');
      expect(PREFIX_POOL_STRATEGIES.has(name), name).toBe(c.promptPool === 'dual-prompt' || c.promptPool === 'coda-prompt');
    }
  });

  it('declare offline training where the strategy retrains from all it kept (joint: unlearning by retraining)', () => {
    const ctx = {
      executor,
      classifier: { inputSize: 4, hidden: [], classes: 2 },
      optimizer: { kind: 'sgd' as const },
      learningRate: 0.1,
      batchSize: 4,
      epochs: 1,
      seed: 0,
      options: {},
    };
    for (const name of names) {
      if (strategyCapabilities(name).training !== 'offline') continue;
      expect(strategyFactory(name)(ctx).unlearning, name).toBe('retrained');
    }
  });

  it('declare a softmax head exactly where the saved state is one classifier over the features (what the encoder scores with)', () => {
    const classifier = { inputSize: 4, hidden: [3], classes: 2 };
    const ctx = {
      executor,
      classifier,
      optimizer: { kind: 'sgd' as const },
      learningRate: 0.1,
      batchSize: 4,
      epochs: 1,
      seed: 0,
      options: {},
    };
    const head = new Classifier(executor, classifier, ctx.optimizer, ctx.learningRate, 0).store.names().sort();
    for (const name of names) {
      if (!strategyCapabilities(name).softmaxHead) continue;
      expect(strategyFactory(name)(ctx).saveState().params.names().sort(), name).toEqual(head);
    }
  });
});
