import { createTensor, GraphBuilder, type Model } from '@mneme/graph';
import { ParameterStore } from '@mneme/execution';
import { tensor } from '@mneme/tensor';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { forward } from './forward.js';
import { createExecutor } from './ort-executor.js';

/** y = x·W + b for x of shape [batch, 3], batch symbolic. */
function affine(): Model {
  const b = new GraphBuilder({ name: 'affine' });
  const x = b.input('x', 'float32', ['batch', 3]);
  const w = b.initializer('W', createTensor('float32', [3, 2], [1, 2, 3, 4, 5, 6]));
  const bias = b.initializer('b', createTensor('float32', [2], [0.5, -0.5]));
  b.op('Add', [b.matMul(x, w), bias], {}, { outputs: ['y'] });
  b.output('y', 'float32', ['batch', 2]);
  return b.build();
}

const ones = (rows: number) => ({ x: tensor('float32', [rows, 3], new Float32Array(rows * 3).fill(1)) });

describe('forward', () => {
  it('serves every batch size from one session: a warm pass compiles nothing', async () => {
    const engine = await Engine.create({ device: 'cpu', intraOpNumThreads: 1 });
    const model = affine();
    for (const rows of [1, 7, 300]) {
      const y = (await forward(engine, model, ones(rows)))['y']!;
      expect(y.shape).toEqual([rows, 2]);
      expect(Array.from(y.data as Float32Array).slice(0, 2)).toEqual([9.5, 11.5]);
    }
    expect(engine.cacheStats()).toMatchObject({ misses: 1, size: 1 });
    for (const rows of [2, 300, 1]) await forward(engine, model, ones(rows));
    expect(engine.cacheStats()).toMatchObject({ misses: 1, size: 1 });
    await engine.dispose();
  });

  it('keeps at most two sessions of a symbolic graph: one thread for small runs, all threads for large ones', async () => {
    // 12 FLOPs per row: runs of fewer than 100 rows are "small".
    const engine = await Engine.create({ device: 'cpu', intraOpNumThreads: 2, smallGraphFlops: 1200 });
    const model = affine();
    await forward(engine, model, ones(4));
    expect(engine.cacheStats()).toMatchObject({ misses: 1 });
    await forward(engine, model, ones(99));
    expect(engine.cacheStats()).toMatchObject({ misses: 1 });
    await forward(engine, model, ones(100));
    expect(engine.cacheStats()).toMatchObject({ misses: 2 });
    for (const rows of [1, 50, 500, 100]) await forward(engine, model, ones(rows));
    expect(engine.cacheStats()).toMatchObject({ misses: 2, size: 2 });
    await engine.dispose();
  });
});

describe('executor.release', () => {
  it('frees the sessions of a model and of the graphs derived from it; running it again recompiles', async () => {
    const engine = await Engine.create({ device: 'cpu', intraOpNumThreads: 1 });
    const executor = createExecutor(engine);
    const model = withSquaredLoss(affine());
    const other = affine();
    const store = ParameterStore.fromModel(model);
    await executor.forward(other, ones(2));
    await executor.forward(
      model,
      { ...ones(2), target: tensor('float32', [2, 2], new Float32Array(4)) },
      { params: store, fetches: ['y'] },
    );
    await executor.lossAndGradients(
      model,
      { ...ones(3), target: tensor('float32', [3, 2], new Float32Array(6)) },
      { loss: 'loss', wrt: ['W'] },
    );
    expect(engine.cacheStats()).toMatchObject({ misses: 3, size: 3 });
    const held = await engine.session(other);
    await executor.release!(model);
    // The other model's session stays; the model's forward and gradient sessions are gone.
    expect(engine.cacheStats().size).toBe(1);
    expect(held.isReleased).toBe(false);
    await executor.lossAndGradients(
      model,
      { ...ones(3), target: tensor('float32', [3, 2], new Float32Array(6)) },
      { loss: 'loss', wrt: ['W'] },
    );
    expect(engine.cacheStats()).toMatchObject({ size: 2 });
    expect(engine.release([affine()])).toBe(0);
    await engine.dispose();
  });

  it('lets a run that already holds the session finish before freeing it (a strategy rebuilding its graphs while another call runs)', async () => {
    const engine = await Engine.create({ device: 'cpu', intraOpNumThreads: 1 });
    const model = affine();
    const session = await engine.session(model);
    engine.release([model]);
    // The holder's run starts after the release was asked for, in the same turn: it still runs.
    const out = await session.run(ones(2));
    expect(out['y']!.shape).toEqual([2, 2]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(session.isReleased).toBe(true);
    await engine.dispose();
  });
});

/** `model` with loss = Σ (y − target)² over a `target` input shaped like y. */
function withSquaredLoss(model: Model): Model {
  const b = GraphBuilder.from(model);
  const target = b.input('target', 'float32', ['batch', 2]);
  const d = b.sub('y', target);
  b.op('ReduceSum', [b.mul(d, d)], { keepdims: { type: 'int', value: 0 } }, { outputs: ['loss'] });
  b.output('loss', 'float32', []);
  return b.build();
}
