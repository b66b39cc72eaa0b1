import { createExecutor, Engine } from '@mneme/engine';
import { ParameterStore, type Executor } from '@mneme/execution';
import { buildMlp, withCrossEntropyLoss } from '@mneme/models';
import { Rng } from '@mneme/random';
import { gatherRows } from '@mneme/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { growToFit } from '../core/class-index.js';
import { InterferedReplay, interferenceRunner, mostInterfered } from './interference.js';
import { mir } from './mir.js';
import { ReplayTrainer } from './replay-trainer.js';
import type { LabelledBatch, Strategy } from '../strategy.js';

// A tiny Split-MNIST-like stream: 3 experiences of 2 classes of 12-dimensional Gaussian blobs.
const INPUT = 12;
const EXPERIENCES = 3;
const TRAIN_PER_CLASS = 40;
const TEST_PER_CLASS = 30;
const BATCH = 5;

interface Stream {
  readonly experiences: readonly (readonly LabelledBatch[])[];
  /** Test rows and labels per experience. */
  readonly tests: readonly { features: Float32Array; labels: Int32Array }[];
}

function splitStream(seed: number): Stream {
  const rng = Rng.seeded(seed);
  const centres = Array.from({ length: 2 * EXPERIENCES }, () => Array.from({ length: INPUT }, () => rng.normal(0, 1.2)));
  const draw = (label: number) => centres[label]!.map((c) => c + rng.normal(0, 1));
  let id = 0;
  const experiences = Array.from({ length: EXPERIENCES }, (_, e) => {
    const labels = rng.shuffle([2 * e, 2 * e + 1].flatMap((c) => new Array<number>(TRAIN_PER_CLASS).fill(c)));
    const batches: LabelledBatch[] = [];
    for (let start = 0; start < labels.length; start += BATCH) {
      const rows = labels.slice(start, start + BATCH);
      batches.push({
        features: Float32Array.from(rows.flatMap(draw)),
        labels: Int32Array.from(rows),
        ids: Int32Array.from(rows, () => id++),
        experience: e,
      });
    }
    return batches;
  });
  const tests = Array.from({ length: EXPERIENCES }, (_, e) => {
    const labels = Array.from({ length: 2 * TEST_PER_CLASS }, (_, i) => 2 * e + (i % 2));
    return { features: Float32Array.from(labels.flatMap(draw)), labels: Int32Array.from(labels) };
  });
  return { experiences, tests };
}

/** acc[i][j]: accuracy on experience j's test set after learning experience i. */
async function accuracyMatrix(strategy: Strategy, stream: Stream): Promise<number[][]> {
  const matrix: number[][] = [];
  for (const batches of stream.experiences) {
    for (const batch of batches) {
      growToFit(strategy, batch.labels);
      await strategy.learn(batch);
    }
    const row: number[] = [];
    for (const test of stream.tests) {
      const predicted = await strategy.predict(test.features);
      row.push(predicted.filter((p, i) => p === test.labels[i]).length / test.labels.length);
    }
    matrix.push(row);
  }
  return matrix;
}

function maxParameterDifference(a: ParameterStore, b: ParameterStore): number {
  let max = 0;
  for (const name of a.names()) {
    const x = a.get(name).data;
    const y = b.get(name).data;
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
  }
  return max;
}

describe('mir', () => {
  let executor: Executor;
  beforeAll(async () => {
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
  });

  it.each([
    ['sgd', { kind: 'sgd' as const }, 0.1],
    ['sgd with momentum', { kind: 'sgd' as const, momentum: 0.9 }, 0.05],
    ['adam', { kind: 'adam' as const }, 0.01],
  ])('learns the same with the fused step as with the virtual step then the train step (%s)', async (_name, optimizer, learningRate) => {
    expect(executor.interferedReplayStep).toBeDefined();
    // The executor of a remote engine, or a wrapper, without the fused runner: the two-step path.
    const { interferedReplayStep: _fused, ...twoStep }: Executor = executor;
    const make = (on: Executor) =>
      mir({
        executor: on,
        classifier: { inputSize: INPUT, hidden: [16], classes: 0 },
        optimizer,
        learningRate,
        batchSize: BATCH,
        epochs: 1,
        seed: 3,
        options: { memory: '40', candidates: '12', topK: '5' },
      });
    const stream = splitStream(11);
    const fused = make(executor);
    const reference = make(twoStep);
    const fusedAcc = await accuracyMatrix(fused, stream);
    const referenceAcc = await accuracyMatrix(reference, stream);
    expect(fusedAcc).toEqual(referenceAcc);
    // Learning happened (and retrieval ran: the memory filled past the candidate count).
    expect(fusedAcc[0]![0]).toBeGreaterThan(0.6);
    expect(fused.describe?.().memorySize).toBe(40);
    // The two paths differ only in float rounding (∇L_in + ∇L_rep summed in another order).
    const diff = maxParameterDifference(fused.saveState().params, reference.saveState().params);
    expect(diff).toBeLessThan(1e-5);
    expect(fused.saveState().params.step).toBe(reference.saveState().params.step);
  });

  it('chooses, step by step, the candidates mostInterfered chooses, and updates as the replay train step', async () => {
    const model = withCrossEntropyLoss(buildMlp({ sizes: [INPUT, 32, 6], seed: 4 }));
    const fusedNet = { model, store: ParameterStore.fromModel(model) };
    const referenceNet = { model, store: fusedNet.store.clone() };
    const fused = new InterferedReplay(executor, fusedNet, { kind: 'sgd' }, 0.2, INPUT);
    const trainer = new ReplayTrainer(executor, referenceNet, { kind: 'sgd' }, 0.2, INPUT);
    const rng = Rng.seeded(9);
    const rows = (n: number) => ({
      features: Float32Array.from({ length: n * INPUT }, () => rng.normal()),
      labels: Int32Array.from({ length: n }, () => rng.int(6)),
    });
    for (let step = 0; step < 30; step++) {
      const incoming = rows(BATCH);
      const candidates = rows(12);
      const runner = interferenceRunner(executor, model, referenceNet.store);
      const expected = await mostInterfered(runner, INPUT, incoming, candidates, 0.2, 4);
      const replay = {
        features: gatherRows(candidates.features, INPUT, expected.chosen),
        labels: Int32Array.from(expected.chosen, (c) => candidates.labels[c]!),
      };
      await trainer.step(incoming, replay);
      const got = await fused.step(incoming, candidates, 4);
      expect(got.chosen).toEqual(expected.chosen);
      expect(got.scores).toEqual(expected.scores);
      expect(maxParameterDifference(fusedNet.store, referenceNet.store)).toBeLessThan(1e-6);
      // Each step starts from the same weights: differences in rounding do not accumulate.
      for (const name of referenceNet.store.names()) fusedNet.store.set(name, referenceNet.store.get(name));
    }
  });
});
