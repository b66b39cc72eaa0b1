import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@mneme/errors';
import { createTensor, GraphBuilder, type Model } from '@mneme/graph';
import { type Tensor, tensor } from '@mneme/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { Engine } from './engine.js';
import { forward } from './forward.js';
import { lossAndGradients } from './loss-and-gradients.js';
import { ParameterStore } from '@mneme/execution';
import { randomValues, seededRandom } from './test-helpers.test-util.js';
import { TrainStep } from './train-step.js';
import { VirtualStep } from './virtual-step.js';

const HIDDEN = 16;

/** y = W2·relu(W1·x + b1) + b2; per-sample squared error and its mean, with a symbolic batch dim. */
function mlp(seed = 3): Model {
  const random = seededRandom(seed);
  const b = new GraphBuilder({ name: 'mlp' });
  const x = b.input('x', 'float32', ['batch', 2]);
  const target = b.input('target', 'float32', ['batch', 1]);
  const w1 = b.initializer('w1', createTensor('float32', [2, HIDDEN], randomValues(random, 2 * HIDDEN, 0.8)));
  const b1 = b.initializer('b1', createTensor('float32', [HIDDEN], randomValues(random, HIDDEN, 0.1)));
  const w2 = b.initializer('w2', createTensor('float32', [HIDDEN, 1], randomValues(random, HIDDEN, 0.3)));
  const b2 = b.initializer('b2', createTensor('float32', [1], [0]));
  const [y] = b.op('Add', [b.matMul(b.relu(b.add(b.matMul(x, w1), b1)), w2), b2], {}, { outputs: ['y'] });
  const diff = b.sub(y!, target);
  const [perSample] = b.op('Identity', [b.reduceMean(b.mul(diff, diff), [1], false)], {}, { outputs: ['per_sample_loss'] });
  const [loss] = b.op('Identity', [b.reduceMean(perSample!, undefined, false)], {}, { outputs: ['loss'] });
  b.output(y!, 'float32', ['batch', 1]);
  b.output(loss!, 'float32', []);
  return b.build();
}

/** A toy regression problem: target = x0·x1 + 0.5·x0. */
function batch(random: () => number, n: number): Record<string, Tensor> {
  const x = randomValues(random, n * 2);
  const t = Float32Array.from({ length: n }, (_, i) => x[2 * i]! * x[2 * i + 1]! + 0.5 * x[2 * i]!);
  return { x: tensor('float32', [n, 2], x), target: tensor('float32', [n, 1], t) };
}

const arr = (t: Tensor): number[] => Array.from(t.data as Float32Array);

describe('runners', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ device: 'cpu', intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await engine.dispose();
  });

  it('trains a small MLP: the loss falls on a toy problem', async () => {
    const model = mlp();
    const store = ParameterStore.fromModel(model);
    const train = TrainStep.create(engine, { model, loss: 'loss', store, optimizer: { kind: 'adamw', weightDecay: 0.001 }, lr: 0.02 });
    const random = seededRandom(11);
    const evalBatch = batch(random, 64);
    const evalLoss = async (): Promise<number> =>
      (await forward(engine, model, evalBatch, { params: store, fetches: ['loss'] }))['loss']!.data[0] as number;
    const initial = await evalLoss();
    for (let i = 0; i < 150; i++) await train.step(batch(random, 16));
    const final = await evalLoss();
    expect(store.step).toBe(150);
    expect(store.stateSlots('w1')).toEqual(['m', 'v']);
    expect(final).toBeLessThan(initial * 0.3);
    // The model's own initializers were never touched: training lives in the store.
    expect((await forward(engine, model, evalBatch, { fetches: ['loss'] }))['loss']!.data[0]).toBeCloseTo(initial, 5);
  });

  it('one SGD step equals w − lr·∇L from lossAndGradients, and the step reports the pre-update loss', async () => {
    const model = mlp(5);
    const store = ParameterStore.fromModel(model);
    const data = batch(seededRandom(2), 8);
    const grads = await lossAndGradients(engine, model, data, { loss: 'loss', wrt: store.names(), params: store });
    const before = store.clone();
    const train = TrainStep.create(engine, { model, loss: 'loss', store, optimizer: { kind: 'sgd' }, lr: 0.1 });
    const result = await train.step(data);
    expect(result.loss).toBeCloseTo(grads.loss, 6);
    expect(result.step).toBe(1);
    for (const name of store.names()) {
      const expected = arr(before.get(name)).map((w, i) => w - 0.1 * (grads.gradients.get(name)!.data[i] as number));
      arr(store.get(name)).forEach((w, i) => expect(w).toBeCloseTo(expected[i]!, 6));
    }
    expect(arr(store.get('w1'))).not.toEqual(arr(before.get('w1')));
  });

  it('compiles once per batch shape and reuses the session', async () => {
    const model = mlp();
    const store = ParameterStore.fromModel(model);
    const train = TrainStep.create(engine, {
      model,
      loss: 'loss',
      store,
      optimizer: { kind: 'sgd', momentum: 0.9, clipGradNorm: 1 },
      lr: (t) => 0.1 / t,
    });
    const random = seededRandom(4);
    const misses = engine.cacheStats().misses;
    const r1 = await train.step(batch(random, 8));
    await train.step(batch(random, 8));
    expect(engine.cacheStats().misses).toBe(misses + 1);
    await train.step(batch(random, 5));
    expect(engine.cacheStats().misses).toBe(misses + 2);
    expect(r1.gradNorm).toBeGreaterThan(0);
    expect(train.graphFor(batch(random, 8)).graph.inputs.map((i) => i.name)).toContain('train/state/w1/momentum');
    // Steps are sequential: a second one while the first runs is refused, the first still lands.
    const first = train.step(batch(random, 8));
    await expect(train.step(batch(random, 8))).rejects.toThrow(/already running/);
    expect((await first).step).toBe(4);
  });

  it('reports every bad batch feed before compiling', async () => {
    const model = mlp();
    const train = TrainStep.create(engine, {
      model,
      loss: 'loss',
      store: ParameterStore.fromModel(model),
      optimizer: { kind: 'sgd' },
      lr: 0.1,
    });
    const error = await train
      .step({ x: tensor('float32', [4, 3], new Float32Array(12)), extra: tensor('float32', [1], new Float32Array(1)) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).problems).toEqual([
      "input 'x' has shape [4, 3] but the graph declares [batch, 2]: dim 1 is 3, expected 2",
      "missing input 'target' (float32 [batch, 1])",
      "unknown input 'extra'; the graph's inputs are x, target",
    ]);
    expect(() =>
      TrainStep.create(engine, { model, loss: 'loss', store: new ParameterStore(), trainable: ['w9'], optimizer: { kind: 'sgd' }, lr: 1 }),
    ).toThrow(/'w9' is not in the parameter store.*'w9' is not an initializer/);
  });

  it('computes gradients with respect to inputs (prompt tuning, distillation)', async () => {
    const model = mlp();
    const data = batch(seededRandom(9), 4);
    const { loss, gradients } = await lossAndGradients(engine, model, data, { loss: 'loss', wrt: ['x'] });
    const gx = gradients.get('x')!;
    expect(gx.shape).toEqual([4, 2]);
    // Central differences on a few elements of x.
    const eps = 1e-2;
    for (const k of [0, 3, 6]) {
      const shifted = (delta: number): Record<string, Tensor> => {
        const x = Float32Array.from(data['x']!.data as Float32Array);
        x[k] = x[k]! + delta;
        return { ...data, x: tensor('float32', [4, 2], x) };
      };
      const up = (await forward(engine, model, shifted(eps), { fetches: ['loss'] }))['loss']!.data[0] as number;
      const down = (await forward(engine, model, shifted(-eps), { fetches: ['loss'] }))['loss']!.data[0] as number;
      expect(gx.data[k] as number).toBeCloseTo((up - down) / (2 * eps), 2);
    }
    expect(loss).toBeGreaterThan(0);
  });

  it('virtual step: candidate losses before and after w − lr·∇L(incoming), committing nothing', async () => {
    const model = mlp(8);
    const store = ParameterStore.fromModel(model);
    const snapshot = store.clone();
    const random = seededRandom(21);
    const incoming = batch(random, 6);
    const candidates = batch(random, 10);
    const lr = 0.5;
    const virtual = VirtualStep.create(engine, { model, loss: 'loss', perSampleLoss: 'per_sample_loss', store });
    const result = await virtual.run(incoming, candidates, lr);
    expect(result.before).toHaveLength(10);
    expect(result.after).toHaveLength(10);

    // The same numbers from separate runs: gradients on incoming, then forward at w and at w'.
    const grads = await lossAndGradients(engine, model, incoming, { loss: 'loss', wrt: store.names(), params: store });
    expect(result.incomingLoss).toBeCloseTo(grads.loss, 5);
    const before = (await forward(engine, model, candidates, { params: store, fetches: ['per_sample_loss'] }))['per_sample_loss']!;
    const moved = store.clone();
    for (const name of moved.names()) {
      const w = arr(store.get(name)).map((v, i) => v - lr * (grads.gradients.get(name)!.data[i] as number));
      moved.set(name, tensor('float32', store.get(name).shape, Float32Array.from(w)));
    }
    const after = (await forward(engine, model, candidates, { params: moved, fetches: ['per_sample_loss'] }))['per_sample_loss']!;
    Array.from(result.before).forEach((v, i) => expect(v).toBeCloseTo(arr(before)[i]!, 5));
    Array.from(result.after).forEach((v, i) => expect(v).toBeCloseTo(arr(after)[i]!, 4));
    expect(Array.from(result.after)).not.toEqual(Array.from(result.before));
    for (const name of store.names()) expect(arr(store.get(name))).toEqual(arr(snapshot.get(name)));
  });

  it('checkpoints a trained store and restores the same predictions', async () => {
    const model = mlp();
    const store = ParameterStore.fromModel(model);
    const train = TrainStep.create(engine, { model, loss: 'loss', store, optimizer: { kind: 'adam' }, lr: 0.01 });
    const random = seededRandom(13);
    for (let i = 0; i < 5; i++) await train.step(batch(random, 8));
    const dir = await mkdtemp(join(tmpdir(), 'mneme-train-'));
    try {
      await saveCheckpoint(join(dir, 'ckpt'), store);
      const restored = await loadCheckpoint(join(dir, 'ckpt'));
      const probe = batch(random, 8);
      const a = await forward(engine, model, probe, { params: store });
      const b = await forward(engine, model, probe, { params: restored });
      expect(arr(b['y']!)).toEqual(arr(a['y']!));
      // Training continues identically from the restored state.
      const next = batch(random, 8);
      const r1 = await train.step(next);
      const resumed = TrainStep.create(engine, { model, loss: 'loss', store: restored, optimizer: { kind: 'adam' }, lr: 0.01 });
      const r2 = await resumed.step(next);
      expect(r2.loss).toBe(r1.loss);
      expect(r2.step).toBe(6);
      expect(arr(restored.get('w2'))).toEqual(arr(store.get('w2')));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
