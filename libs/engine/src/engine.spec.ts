import { InvalidArgumentError } from '@mneme/errors';
import { cloneModel, createTensor, GraphBuilder, type Model } from '@mneme/graph';
import { tensor } from '@mneme/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, threadsFromEnv } from './engine.js';
import { EngineError } from './engine-error.js';
import { recordingLogger } from './test-helpers.test-util.js';

/** y = x·W + b for x of shape [rows, 3]. */
function affine(rows: number): Model {
  const b = new GraphBuilder({ name: `affine${rows}` });
  const x = b.input('x', 'float32', [rows, 3]);
  const w = b.initializer('W', createTensor('float32', [3, 2], [1, 2, 3, 4, 5, 6]));
  const bias = b.initializer('b', createTensor('float32', [2], [0.5, -0.5]));
  const y = b.op('Add', [b.matMul(x, w), bias], {}, { outputs: ['y'] })[0]!;
  b.output(y, 'float32', [rows, 2]);
  return b.build();
}

describe('Engine', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ device: 'cpu', intraOpNumThreads: 1, maxCachedSessions: 2 });
  });
  afterAll(async () => {
    await engine.dispose();
  });

  it('runs a model and returns mneme tensors', async () => {
    const out = await engine.run(affine(2), { x: tensor('float32', [2, 3], new Float32Array([1, 0, 0, 1, 1, 1])) });
    expect(out['y']!.shape).toEqual([2, 2]);
    expect(Array.from(out['y']!.data as Float32Array)).toEqual([1.5, 1.5, 9.5, 11.5]);
  });

  it('passes the ONNX-only integer types (uint16, int16, uint32, uint64) through ONNX Runtime and back', async () => {
    const cases = [
      tensor('uint16', [3], Uint16Array.of(0, 1, 65535)),
      tensor('int16', [3], Int16Array.of(-32768, 0, 32767)),
      tensor('uint32', [3], Uint32Array.of(0, 7, 4294967295)),
      tensor('uint64', [3], BigUint64Array.of(0n, 1n, 2n ** 64n - 1n)),
    ];
    for (const x of cases) {
      const b = new GraphBuilder({ name: `identity-${x.dtype}` });
      const input = b.input('x', x.dtype, [3]);
      b.output(b.op('Identity', [input], {}, { outputs: ['y'] })[0]!, x.dtype, [3]);
      const y = (await engine.run(b.build(), { x }))['y']!;
      expect(y.dtype, x.dtype).toBe(x.dtype);
      expect(y.data, x.dtype).toEqual(x.data);
    }
  });

  it('caches sessions by model bytes and shapes, and evicts the least recently used', async () => {
    const e = await Engine.create({ device: 'cpu', intraOpNumThreads: 1, maxCachedSessions: 2 });
    const m2 = affine(2);
    const s1 = await e.session(m2);
    expect(await e.session(m2)).toBe(s1);
    // Equal bytes in another object hit too; another shape or optimisation level does not.
    expect(await e.session(cloneModel(m2))).toBe(s1);
    expect(e.cacheStats()).toMatchObject({ hits: 2, misses: 1, size: 1 });
    const s3 = await e.session(affine(3));
    expect(s3).not.toBe(s1);
    const basic = await e.session(m2, { graphOptimizationLevel: 'basic' });
    expect(basic).not.toBe(s1);
    await new Promise((r) => setTimeout(r, 10));
    expect(e.cacheStats()).toMatchObject({ misses: 3, evictions: 1, size: 2 });
    expect(s1.isReleased).toBe(true);
    await expect(s1.run({ x: tensor('float32', [2, 3], new Float32Array(6)) })).rejects.toThrow(/was released/);
    // Asking again recreates it.
    const again = await e.session(m2);
    expect(again).not.toBe(s1);
    expect((await again.run({ x: tensor('float32', [2, 3], new Float32Array(6)) }))['y']!.data).toEqual(
      new Float32Array([0.5, -0.5, 0.5, -0.5]),
    );
    await e.dispose();
    expect(again.isReleased).toBe(true);
  });

  it('reports every bad feed and fetch before running', async () => {
    const error = await engine
      .run(
        affine(2),
        { x: tensor('int32', [2, 4], new Int32Array(8)), z: tensor('float32', [1], new Float32Array(1)) },
        { fetches: ['y', 'q'] },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).problems).toHaveLength(4);
    expect((error as InvalidArgumentError).message).toMatch(/'x' is int32.*'x' has shape \[2, 4\].*unknown input 'z'.*unknown fetch 'q'/);
  });

  it('wraps ONNX Runtime failures in EngineError and logs shapes, not data', async () => {
    const logger = recordingLogger();
    const e = await Engine.create({ device: 'cpu', logger });
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [2]);
    b.output(b.op('NoSuchOp', [x]), 'float32', [2]);
    await expect(e.session(b.build())).rejects.toBeInstanceOf(EngineError);
    expect(logger.records.some((r) => r.level === 'error' && r.message === 'session creation failed')).toBe(true);
    expect(logger.records.some((r) => r.message === 'engine ready' && r.fields?.['provider'] === 'cpu')).toBe(true);
  });

  it('validates every option at once', async () => {
    const error = await Engine.create({
      device: 'cpu',
      intraOpNumThreads: 0,
      maxCachedSessions: 1.5,
      graphOptimizationLevel: 'max' as never,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).problems).toHaveLength(3);
  });

  it('refuses device cuda here and records the auto fallback', async () => {
    await expect(Engine.create({ device: 'cuda' })).rejects.toThrow(/cannot load/);
    const auto = await Engine.create({ device: 'auto' });
    expect(auto.device.provider).toBe('cpu');
    expect(auto.device.reason).toMatch(/fell back/);
    expect(auto.settings).toMatchObject({ interOpNumThreads: 1, graphOptimizationLevel: 'all', allowSpinning: true });
  });

  it('reads the thread count from MNEME_THREADS, refusing anything but a positive integer', async () => {
    expect(threadsFromEnv({})).toBeUndefined();
    expect(threadsFromEnv({ MNEME_THREADS: ' ' })).toBeUndefined();
    expect(threadsFromEnv({ MNEME_THREADS: '3' })).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'two', '1e2']) {
      expect(() => threadsFromEnv({ MNEME_THREADS: bad })).toThrow(
        new RegExp(`MNEME_THREADS=${bad.replace('.', '\\.')} is not a thread count; set it to a positive integer`),
      );
    }
    const saved = process.env['MNEME_THREADS'];
    process.env['MNEME_THREADS'] = '1';
    try {
      expect((await Engine.create({ device: 'cpu' })).settings.intraOpNumThreads).toBe(1);
      // An explicit option wins over the environment.
      expect((await Engine.create({ device: 'cpu', intraOpNumThreads: 2 })).settings.intraOpNumThreads).toBe(2);
    } finally {
      if (saved === undefined) delete process.env['MNEME_THREADS'];
      else process.env['MNEME_THREADS'] = saved;
    }
  });
});
