/** The virtual step composed of generic verbs computes what the engine's compiled one does. */
import { createExecutor, Engine } from '@mneme/engine';
import { ParameterStore, type Executor, type Feeds } from '@mneme/execution';
import { buildMlp, CLASSIFIER_IO, withCrossEntropyLoss } from '@mneme/models';
import { Rng } from '@mneme/random';
import { int64FromInt32, tensor } from '@mneme/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { composedVirtualStep } from './composed-virtual-step.js';
import { interferenceRunner, mostInterfered } from './interference.js';

const INPUT = 12;
const CLASSES = 5;

describe('composedVirtualStep', () => {
  let executor: Executor;
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
  });

  const model = withCrossEntropyLoss(buildMlp({ sizes: [INPUT, 16, CLASSES], seed: 4 }));
  const rng = Rng.seeded(7);
  const rows = (n: number) => ({
    features: Float32Array.from({ length: n * INPUT }, () => rng.normal()),
    labels: Int32Array.from({ length: n }, () => rng.int(CLASSES)),
  });
  const feeds = (r: { features: Float32Array; labels: Int32Array }): Feeds => ({
    [CLASSIFIER_IO.input]: tensor('float32', [r.labels.length, INPUT], r.features),
    [CLASSIFIER_IO.labels]: tensor('int64', [r.labels.length], int64FromInt32(r.labels)),
  });

  it.each([
    ['every parameter', undefined],
    ['the output layer only (the hidden layer frozen)', ['fc1.weight', 'fc1.bias']],
  ])('gives the compiled virtual step’s losses at w and w′ (%s) and changes no parameter', async (_name, trainable) => {
    const store = ParameterStore.fromModel(model);
    const kept = store.clone();
    const spec = {
      model,
      loss: CLASSIFIER_IO.loss,
      perSampleLoss: CLASSIFIER_IO.sampleLoss,
      store,
      ...(trainable === undefined ? {} : { trainable }),
    };
    expect(executor.virtualStep).toBeDefined();
    const compiled = executor.virtualStep!(spec);
    const composed = composedVirtualStep(executor, spec);
    const incoming = feeds(rows(8));
    const candidates = feeds(rows(20));
    const want = await compiled.run(incoming, candidates, 0.3);
    const got = await composed.run(incoming, candidates, 0.3);
    expect(got.incomingLoss).toBeCloseTo(want.incomingLoss, 5);
    for (const [a, b] of [
      [got.before, want.before],
      [got.after, want.after],
    ] as const) {
      expect(a).toHaveLength(20);
      a.forEach((v, i) => expect(Math.abs(v - b[i]!), `row ${i}`).toBeLessThan(1e-5));
    }
    // The step moved something: the candidates' losses after differ from before.
    expect(got.after.some((v, i) => Math.abs(v - got.before[i]!) > 1e-4)).toBe(true);
    for (const name of kept.names()) expect(store.get(name).data, name).toEqual(kept.get(name).data);
  });

  it('is what interferenceRunner falls back to on an executor without a compiled virtual step, choosing the same candidates', async () => {
    const store = ParameterStore.fromModel(model);
    const { virtualStep: _virtual, interferedReplayStep: _fused, ...generic }: Executor = executor;
    for (let step = 0; step < 10; step++) {
      const incoming = rows(5);
      const candidates = rows(12);
      const want = await mostInterfered(interferenceRunner(executor, model, store), INPUT, incoming, candidates, 0.2, 4);
      const got = await mostInterfered(interferenceRunner(generic, model, store), INPUT, incoming, candidates, 0.2, 4);
      expect(got.chosen).toEqual(want.chosen);
      got.scores.forEach((s, i) => expect(Math.abs(s - want.scores[i]!)).toBeLessThan(1e-5));
    }
  });

  it('refuses a spec with nothing to train, a trainable name the store lacks, and a non-finite lr', async () => {
    const store = ParameterStore.fromModel(model);
    const spec = { model, loss: CLASSIFIER_IO.loss, perSampleLoss: CLASSIFIER_IO.sampleLoss, store };
    expect(() => composedVirtualStep(executor, { ...spec, store: new ParameterStore() })).toThrow(/nothing to update/);
    expect(() => composedVirtualStep(executor, { ...spec, trainable: ['fc9.weight'] })).toThrow(/'fc9.weight' not in the store/);
    await expect(composedVirtualStep(executor, spec).run(feeds(rows(2)), feeds(rows(2)), Number.NaN)).rejects.toThrow(/lr must be finite/);
  });
});
