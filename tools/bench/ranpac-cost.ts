/**
 * The cost of RanPAC (`npm run bench:methods`, after MIR's): the per-batch update at M = 2048 random
 * features (plus the 384 inputs kept beside them: rows 2432 wide, the default) and batch 32 on
 * 384-d frozen features (MiniLM's width) with 150 classes, as the mean wall time per `learn` over
 * 512 batches (the Gram folds every `fold` rows are included, amortised), for both Gram precisions;
 * and one closed-form solve (the first GCV search over the λ grid, and one fixed λ), timed at the
 * end of the stream. Goal: update ≤ 2 ms. Inputs are random unit vectors: the cost does not depend
 * on their values.
 *
 * Env: MNEME_BENCH_THREADS (ORT intra-op threads, default 2), MNEME_BENCH_BATCHES (default 512).
 */
import { loadavg } from 'node:os';
import { createExecutor, Engine } from '@mneme/engine';
import { ranpac, type LabelledBatch, type Strategy } from '@mneme/methods';
import { Rng } from '@mneme/random';

const threads = Number(process.env['MNEME_BENCH_THREADS'] ?? 2);
const batches = Number(process.env['MNEME_BENCH_BATCHES'] ?? 512);
const D = 384;
const M = 2048;
const BATCH = 32;
const CLASSES = 150;
const GOAL_MS = 2;

const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: threads, allowSpinning: false }));
const rng = Rng.seeded(0);
const stream: LabelledBatch[] = Array.from({ length: batches + 8 }, (_, b) => {
  const features = new Float32Array(BATCH * D);
  for (let r = 0; r < BATCH; r++) {
    let norm = 0;
    for (let i = 0; i < D; i++) norm += (features[r * D + i] = rng.normal(0, 1)) ** 2;
    for (let i = 0; i < D; i++) features[r * D + i]! /= Math.sqrt(norm);
  }
  return {
    features,
    labels: Int32Array.from({ length: BATCH }, () => rng.int(CLASSES)),
    ids: Int32Array.from({ length: BATCH }, (_, r) => b * BATCH + r),
    experience: 0,
  };
});

const round = (x: number) => Math.round(x * 1000) / 1000;
const common = { machine: `${threads} ORT thread(s)`, load: round(loadavg()[0]!), batch: BATCH, projection: M, input: D, classes: CLASSES };

async function measure(precision: 'exact' | 'fast'): Promise<{ updateMs: number; learner: Strategy }> {
  const learner = ranpac({
    executor,
    classifier: { inputSize: D, hidden: [], classes: CLASSES },
    optimizer: { kind: 'sgd' },
    learningRate: 0.1,
    batchSize: BATCH,
    epochs: 1,
    seed: 0,
    options: {
      projection: String(M),
      precision,
      ...(process.env['MNEME_BENCH_FOLD'] === undefined ? {} : { fold: process.env['MNEME_BENCH_FOLD'] }),
    },
  });
  // Warm-up: compile the projection and fold graphs.
  for (const batch of stream.slice(0, 8)) await learner.learn(batch);
  const started = performance.now();
  for (const batch of stream.slice(8)) await learner.learn(batch);
  return { updateMs: (performance.now() - started) / batches, learner };
}

for (const precision of ['fast', 'exact'] as const) {
  const { updateMs, learner } = await measure(precision);
  console.log(
    JSON.stringify({
      bench: 'methods',
      metric: `ranpac_update_ms_${precision}`,
      value: round(updateMs),
      unit: 'ms',
      ratio: round(updateMs / GOAL_MS),
      ratio_to: `goal-${GOAL_MS}ms`,
      ...common,
    }),
  );
  if (precision === 'exact') {
    const solveStarted = performance.now();
    await learner.endExperience({ index: 0, classes: [] });
    const solveS = (performance.now() - solveStarted) / 1000;
    const chosen = learner.describe!().choices!;
    console.log(
      JSON.stringify({
        bench: 'methods',
        metric: 'ranpac_solve_gcv_s',
        value: round(solveS),
        unit: 's',
        ratio: 1,
        ratio_to: 'ranpac_solve_gcv_s',
        lambda: chosen['lambda'],
        samples: chosen['samples'],
        ...common,
      }),
    );
    const fixed = ranpac({
      executor,
      classifier: { inputSize: D, hidden: [], classes: CLASSES },
      optimizer: { kind: 'sgd' },
      learningRate: 0.1,
      batchSize: BATCH,
      epochs: 1,
      seed: 0,
      options: { projection: String(M), lambda: String(chosen['lambda']) },
    });
    for (const batch of stream.slice(0, 64)) await fixed.learn(batch);
    const fixedStarted = performance.now();
    await fixed.endExperience({ index: 0, classes: [] });
    const fixedS = (performance.now() - fixedStarted) / 1000;
    console.log(
      JSON.stringify({
        bench: 'methods',
        metric: 'ranpac_solve_fixed_lambda_s',
        value: round(fixedS),
        unit: 's',
        ratio: round(fixedS / solveS),
        ratio_to: 'ranpac_solve_gcv_s',
        ...common,
      }),
    );
  }
}
