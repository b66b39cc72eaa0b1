import { createTensor, GraphBuilder, type Model } from '@mneme/graph';
import { ParameterStore } from '@mneme/execution';
import { type Tensor, tensor } from '@mneme/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { lossAndGradients } from './loss-and-gradients.js';
import { isPlainSgd } from './sgd-update.js';
import { randomValues, seededRandom } from './test-helpers.test-util.js';
import { TrainStep } from './train-step.js';

/** A two-layer net, the first layer a Gemm (fused update), the second MatMul + Add (plain update). */
function net(): Model {
  const random = seededRandom(5);
  const b = new GraphBuilder({ name: 'net' });
  const x = b.input('x', 'float32', ['batch', 3]);
  const target = b.input('target', 'float32', ['batch', 2]);
  const w1 = b.initializer('w1', createTensor('float32', [3, 8], randomValues(random, 24, 0.7)));
  const b1 = b.initializer('b1', createTensor('float32', [8], randomValues(random, 8, 0.1)));
  const w2 = b.initializer('w2', createTensor('float32', [8, 2], randomValues(random, 16, 0.5)));
  const b2 = b.initializer('b2', createTensor('float32', [2], randomValues(random, 2, 0.1)));
  const h = b.relu(b.gemm(x, w1, b1));
  const diff = b.sub(b.add(b.matMul(h, w2), b2), target);
  b.op('Identity', [b.reduceMean(b.mul(diff, diff), undefined, false)], {}, { outputs: ['loss'] });
  b.output('loss', 'float32', []);
  return b.build();
}

function batch(seed: number): Record<string, Tensor> {
  const random = seededRandom(seed);
  return { x: tensor('float32', [4, 3], randomValues(random, 12)), target: tensor('float32', [4, 2], randomValues(random, 8)) };
}

describe('plain SGD update', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ device: 'cpu', intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await engine.dispose();
  });

  it('applies w − lr·∇ for every parameter, Gemm weights and others alike, with a per-step lr', async () => {
    const model = net();
    const store = ParameterStore.fromModel(model);
    const lrs = [0.1, 0.5];
    const train = TrainStep.create(engine, { model, loss: 'loss', store, optimizer: { kind: 'sgd' }, lr: (step) => lrs[step - 1]! });
    for (const [i, lr] of lrs.entries()) {
      const feeds = batch(i);
      const before = store.clone();
      const { gradients } = await lossAndGradients(engine, model, feeds, { loss: 'loss', wrt: store.names(), params: before });
      await train.step(feeds);
      for (const name of store.names()) {
        const expected = Array.from(before.get(name).data, (w, k) => w - lr * (gradients.get(name)!.data[k] as number));
        const got = Array.from(store.get(name).data);
        got.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 5));
      }
    }
  });

  it('updates a Gemm layer weight inside the gradient Gemm (C = w, beta 1), leaving no separate gradient', () => {
    const model = net();
    const train = TrainStep.create(engine, {
      model,
      loss: 'loss',
      store: ParameterStore.fromModel(model),
      optimizer: { kind: 'sgd' },
      lr: 0.1,
    });
    const nodes = train.graphFor(batch(0)).graph.nodes;
    const fused = nodes.filter((n) => n.opType === 'Gemm' && n.inputs[2] === 'w1' && n.attributes['beta']?.value === 1);
    expect(fused).toHaveLength(1);
    expect(fused[0]!.attributes['alpha']?.value).toBe(-1);
    // The other weights are updated by one Sub each, with no Mul by the learning rate on them.
    expect(nodes.filter((n) => n.opType === 'Sub' && ['w2', 'b1', 'b2'].includes(n.inputs[0]!))).toHaveLength(3);
  });

  it('takes the fused path only for SGD with nothing but a learning rate', () => {
    expect(isPlainSgd({ kind: 'sgd' })).toBe(true);
    expect(isPlainSgd({ kind: 'sgd', momentum: 0.9 })).toBe(false);
    expect(isPlainSgd({ kind: 'sgd', weightDecay: 1e-4 })).toBe(false);
    expect(isPlainSgd({ kind: 'sgd', clipGradNorm: 1 })).toBe(false);
    expect(isPlainSgd({ kind: 'adam' })).toBe(false);
  });
});
