import { createTensor, GraphBuilder, type Model } from '@mneme/graph';
import { ParameterStore } from '@mneme/execution';
import { tensor } from '@mneme/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { TrainStep } from './train-step.js';

/** loss = mean((x·w − t)²), one weight matrix. */
function linear(): Model {
  const b = new GraphBuilder({ name: 'linear' });
  const x = b.input('x', 'float32', ['batch', 2]);
  const t = b.input('t', 'float32', ['batch', 1]);
  const w = b.initializer('w', createTensor('float32', [2, 1], [0.5, -0.5]));
  const diff = b.sub(b.matMul(x, w), t);
  b.op('Identity', [b.reduceMean(b.mul(diff, diff), undefined, false)], {}, { outputs: ['loss'] });
  b.output('loss', 'float32', []);
  return b.build();
}

describe('TrainStep session reuse', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ device: 'cpu', intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await engine.dispose();
  });

  it('keeps stepping after the engine released the session it kept, on a fresh one', async () => {
    const model = linear();
    const store = ParameterStore.fromModel(model);
    const train = TrainStep.create(engine, { model, loss: 'loss', store, optimizer: { kind: 'sgd' }, lr: 0.1 });
    const batch = { x: tensor('float32', [1, 2], Float32Array.from([1, 2])), t: tensor('float32', [1, 1], Float32Array.from([1])) };
    const first = await train.step(batch);
    const misses = engine.cacheStats().misses;
    await engine.dispose();
    const second = await train.step(batch);
    expect(second.step).toBe(2);
    expect(second.loss).toBeLessThan(first.loss);
    expect(engine.cacheStats().misses).toBe(misses + 1);
  });
});
