import { InvalidArgumentError } from '@mneme/errors';
import { GraphBuilder, type Model } from '@mneme/graph';
import { scalar, type Tensor, tensor } from '@mneme/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { type OptimizerSpec } from '@mneme/execution';
import { appendOptimizerUpdate, optimizerStateSlots, resolveOptimizerSpec } from './optimizers.js';
import { referenceStep, type ReferenceState } from './optimizers.test-util.js';
import { randomValues, seededRandom } from './test-helpers.test-util.js';

const SHAPES: Record<string, number[]> = { w: [3, 4], b: [4] };

/** A graph that takes params, grads, state, lr and step as inputs and returns the updated values. */
function updateGraph(spec: OptimizerSpec): { model: Model; outputs: Map<string, string> } {
  const b = new GraphBuilder({ name: 'update' });
  const slots = optimizerStateSlots(spec);
  const lr = b.input('lr', 'float32', []);
  const step = b.input('step', 'int64', []);
  const params = Object.entries(SHAPES).map(([name, shape]) => {
    b.input(name, 'float32', shape);
    const grad = b.input(`${name}.grad`, 'float32', shape);
    const state = Object.fromEntries(slots.map((s) => [s, b.input(`${name}.${s}`, 'float32', shape)]));
    return { name, grad, state };
  });
  const update = appendOptimizerUpdate(b, spec, { lr, step }, params);
  const outputs = new Map<string, string>();
  const emit = (key: string, value: string, shape: number[]): void => {
    const [named] = b.op('Identity', [value], {}, { outputs: [`out.${key}`] });
    b.output(named!, 'float32', shape);
    outputs.set(key, named!);
  };
  for (const [name, value] of update.params) emit(name, value, SHAPES[name]!);
  for (const [name, slotsOf] of update.state)
    for (const [slot, value] of Object.entries(slotsOf)) emit(`${name}.${slot}`, value, SHAPES[name]!);
  if (update.gradNorm !== undefined) emit('gradNorm', update.gradNorm, []);
  return { model: b.build(), outputs };
}

const f32 = (values: Float64Array | Float32Array, shape: number[]): Tensor => tensor('float32', shape, Float32Array.from(values));

async function compare(engine: Engine, spec: OptimizerSpec, steps = 4): Promise<number> {
  const random = seededRandom(42);
  const { model, outputs } = updateGraph(spec);
  const slots = optimizerStateSlots(spec);
  const refParams = new Map(
    Object.entries(SHAPES).map(([n, s]) => [
      n,
      Float64Array.from(
        randomValues(
          random,
          s.reduce((a, d) => a * d, 1),
        ),
      ),
    ]),
  );
  const refState: ReferenceState = new Map();
  // The graph side keeps its own float32 copies, fed back each step like a train loop would.
  const graphValues = new Map<string, Tensor>();
  for (const [n, p] of refParams) {
    graphValues.set(n, f32(p, SHAPES[n]!));
    for (const s of slots) graphValues.set(`${n}.${s}`, f32(new Float64Array(p.length), SHAPES[n]!));
  }
  let worst = 0;
  for (let t = 1; t <= steps; t++) {
    const lr = 0.05 / t; // a schedule: fed per step, no rebuild
    const grads = new Map([...refParams].map(([n, p]) => [n, Float64Array.from(randomValues(random, p.length, 3))]));
    const feeds: Record<string, Tensor> = { lr: scalar('float32', lr), step: scalar('int64', BigInt(t)) };
    for (const [n, g] of grads) feeds[`${n}.grad`] = f32(g, SHAPES[n]!);
    for (const [k, v] of graphValues) feeds[k] = v;
    const out = await engine.run(model, feeds);
    const norm = referenceStep(spec, refParams, grads, refState, lr, t);
    for (const [key, name] of outputs) {
      const got = out[name]!;
      if (key === 'gradNorm') {
        worst = Math.max(worst, Math.abs((got.data as Float32Array)[0]! - norm) / norm);
        continue;
      }
      graphValues.set(key, got);
      const [param, slot] = key.split('.') as [string, string | undefined];
      const expected = slot === undefined ? refParams.get(param)! : refState.get(param)![slot]!;
      (got.data as Float32Array).forEach((x, i) => {
        worst = Math.max(worst, Math.abs(x - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
      });
    }
  }
  return worst;
}

describe('optimizer graphs against the plain-JS reference', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ device: 'cpu', intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await engine.dispose();
  });

  const cases: [string, OptimizerSpec][] = [
    ['plain SGD', { kind: 'sgd' }],
    ['SGD with momentum and weight decay', { kind: 'sgd', momentum: 0.9, weightDecay: 0.01 }],
    ['SGD with Nesterov momentum', { kind: 'sgd', momentum: 0.8, nesterov: true }],
    ['Adam', { kind: 'adam' }],
    ['Adam with coupled weight decay', { kind: 'adam', weightDecay: 0.1, beta1: 0.8, beta2: 0.99 }],
    ['AdamW (decoupled weight decay)', { kind: 'adamw', weightDecay: 0.1 }],
    ['SGD with global-norm clipping', { kind: 'sgd', momentum: 0.5, clipGradNorm: 1 }],
    ['AdamW with global-norm clipping', { kind: 'adamw', clipGradNorm: 0.5 }],
  ];
  for (const [name, spec] of cases) {
    it(`${name} matches to float32 tolerance`, async () => {
      expect(await compare(engine, spec)).toBeLessThan(2e-5);
    });
  }

  it('detects a wrong update (the comparison can fail)', async () => {
    // Graph with momentum 0.9 against a reference expecting 0.5: must disagree.
    const random = seededRandom(1);
    const { model } = updateGraph({ kind: 'sgd', momentum: 0.9 });
    const p = randomValues(random, 12);
    const g = randomValues(random, 12);
    const feeds: Record<string, Tensor> = {
      lr: scalar('float32', 0.1),
      step: scalar('int64', 1n),
      w: tensor('float32', [3, 4], p),
      'w.grad': tensor('float32', [3, 4], g),
      'w.momentum': tensor('float32', [3, 4], Float32Array.from(g)),
      b: tensor('float32', [4], new Float32Array(4)),
      'b.grad': tensor('float32', [4], new Float32Array(4)),
      'b.momentum': tensor('float32', [4], new Float32Array(4)),
    };
    const out = await engine.run(model, feeds);
    const params = new Map([['w', Float64Array.from(p)]]);
    const state: ReferenceState = new Map([['w', { momentum: Float64Array.from(g) }]]);
    referenceStep({ kind: 'sgd', momentum: 0.5 }, params, new Map([['w', Float64Array.from(g)]]), state, 0.1, 1);
    const got = out['out.w']!.data as Float32Array;
    expect(Math.max(...Array.from(got, (x, i) => Math.abs(x - params.get('w')![i]!)))).toBeGreaterThan(1e-3);
  });
});

describe('optimizer specs', () => {
  it('fills defaults and lists state slots', () => {
    expect(resolveOptimizerSpec({ kind: 'adamw' })).toEqual({
      kind: 'adamw',
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.01,
      clipGradNorm: undefined,
    });
    expect(optimizerStateSlots({ kind: 'sgd' })).toEqual([]);
    expect(optimizerStateSlots({ kind: 'sgd', momentum: 0.9 })).toEqual(['momentum']);
    expect(optimizerStateSlots({ kind: 'adam' })).toEqual(['m', 'v']);
  });

  it('reports every bad hyper-parameter at once', () => {
    const error = (() => {
      try {
        resolveOptimizerSpec({ kind: 'adam', beta1: 1, eps: 0, clipGradNorm: -1 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).problems).toHaveLength(3);
    expect(() => resolveOptimizerSpec({ kind: 'sgd', nesterov: true })).toThrow(/nesterov needs momentum/);
    expect(() => resolveOptimizerSpec({ kind: 'rmsprop' } as never)).toThrow(/unknown optimizer kind 'rmsprop'/);
  });

  it('rejects parameters without their state values', () => {
    const b = new GraphBuilder();
    const lr = b.input('lr', 'float32', []);
    const step = b.input('step', 'int64', []);
    const w = b.input('w', 'float32', [2]);
    const g = b.input('g', 'float32', [2]);
    expect(() => appendOptimizerUpdate(b, { kind: 'adam' }, { lr, step }, [{ name: w, grad: g, state: {} }])).toThrow(
      /'w' has no 'm' state value.*'w' has no 'v' state value/,
    );
  });
});
