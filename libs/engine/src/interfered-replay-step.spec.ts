import { InvalidArgumentError } from '@mneme/errors';
import { ParameterStore } from '@mneme/execution';
import { buildMlp, CLASSIFIER_IO, withCrossEntropyLoss } from '@mneme/models';
import { Rng } from '@mneme/random';
import { type Tensor, tensor } from '@mneme/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { InterferedReplayStep } from './interfered-replay-step.js';
import { lossAndGradients } from './loss-and-gradients.js';
import { VirtualStep } from './virtual-step.js';

const D = 6;
const CLASSES = 4;
const model = withCrossEntropyLoss(buildMlp({ sizes: [D, 8, CLASSES], seed: 2 }));
const spec = { model, loss: CLASSIFIER_IO.loss, perSampleLoss: CLASSIFIER_IO.sampleLoss };

function rows(rng: Rng, n: number): { features: number[]; labels: number[] } {
  return { features: Array.from({ length: n * D }, () => rng.normal()), labels: Array.from({ length: n }, () => rng.int(CLASSES)) };
}

function feeds(r: { features: number[]; labels: number[] }): Record<string, Tensor> {
  const n = r.labels.length;
  return {
    [CLASSIFIER_IO.input]: tensor('float32', [n, D], Float32Array.from(r.features)),
    [CLASSIFIER_IO.labels]: tensor('int64', [n], BigInt64Array.from(r.labels, BigInt)),
  };
}

/** Candidate positions by score, highest first, ties to the lower position (libs/methods' topK). */
const ranked = (scores: readonly number[]): number[] => scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);

describe('InterferedReplayStep', () => {
  let engine: Engine;
  const rng = Rng.seeded(5);
  const incoming = rows(rng, 5);
  // Eight candidates; 2 and 6 are the same sample, so their interference ties.
  const candidates = rows(rng, 8);
  candidates.features.splice(6 * D, D, ...candidates.features.slice(2 * D, 3 * D));
  candidates.labels[6] = candidates.labels[2]!;

  beforeAll(async () => {
    engine = await Engine.create({ device: 'cpu', intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await engine.dispose();
  });

  it("chooses the candidates the virtual step interferes with most, in the two-step path's order", async () => {
    const store = ParameterStore.fromModel(model);
    const virtual = await VirtualStep.create(engine, { ...spec, store }).run(feeds(incoming), feeds(candidates), 0.5);
    const scores = Array.from(virtual.after, (a, i) => a - virtual.before[i]!);
    const fused = InterferedReplayStep.create(engine, { ...spec, store, optimizer: { kind: 'sgd' }, lr: 0.5 });
    const result = await fused.step(feeds(incoming), feeds(candidates), 8);
    expect(result.chosen).toEqual(ranked(scores));
    expect(result.scores).toEqual(result.chosen.map((c) => scores[c]));
    // The tied pair is replayed lower position first, next to each other.
    expect(result.chosen.indexOf(6)).toBe(result.chosen.indexOf(2) + 1);
  });

  // Plain SGD takes its own shortcut (w′ − lr·∇L_rep); with momentum the general optimizer update runs.
  it.each([
    ['plain sgd', { kind: 'sgd' as const }],
    ['sgd with momentum', { kind: 'sgd' as const, momentum: 0.9 }],
  ])('updates with ∇L(incoming) + ∇L(replay) and reports mean loss(incoming) + mean loss(replay) (%s)', async (_name, optimizer) => {
    const store = ParameterStore.fromModel(model);
    const before = store.clone();
    const lr = 0.3;
    const k = 3;
    const fused = InterferedReplayStep.create(engine, { ...spec, store, optimizer, lr });
    const result = await fused.step(feeds(incoming), feeds(candidates), k);
    expect(result.chosen).toHaveLength(k);
    expect(result.step).toBe(1);
    expect(store.step).toBe(1);

    const replay = {
      features: result.chosen.flatMap((c) => candidates.features.slice(c * D, (c + 1) * D)),
      labels: result.chosen.map((c) => candidates.labels[c]!),
    };
    const request = { loss: CLASSIFIER_IO.loss, wrt: before.names(), params: before };
    const gIn = await lossAndGradients(engine, model, feeds(incoming), request);
    const gRep = await lossAndGradients(engine, model, feeds(replay), request);
    expect(result.loss).toBeCloseTo(gIn.loss + gRep.loss, 5);
    for (const name of before.names()) {
      const w = before.get(name).data;
      const a = gIn.gradients.get(name)!.data as Float32Array;
      const b = gRep.gradients.get(name)!.data as Float32Array;
      const got = store.get(name).data;
      w.forEach((v, i) => expect(got[i]).toBeCloseTo(v - lr * (a[i]! + b[i]!), 5));
      // The first momentum buffer is the gradient itself.
      if (store.stateSlots(name).includes('momentum')) {
        const buffer = store.getState(name, 'momentum').data;
        buffer.forEach((m, i) => expect(m).toBeCloseTo(a[i]! + b[i]!, 5));
      }
    }
  });

  it('rejects a topK outside 1..candidates', async () => {
    const fused = InterferedReplayStep.create(engine, {
      ...spec,
      store: ParameterStore.fromModel(model),
      optimizer: { kind: 'sgd' },
      lr: 0.1,
    });
    for (const k of [0, 9, 2.5]) await expect(fused.step(feeds(incoming), feeds(candidates), k)).rejects.toThrow(InvalidArgumentError);
    await expect(fused.step(feeds(incoming), feeds(candidates), 9)).rejects.toThrow(/topK must be an integer in 1\.\.8/);
  });
});
