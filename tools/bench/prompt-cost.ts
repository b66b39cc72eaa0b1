/**
 * What the prefix-prompt strategies cost on CLINC150 (step 4's cost benchmark for L2P, for
 * DualPrompt with its validated default and CODA-Prompt with its validated settings): a train step against
 * the head-only step, and prediction latency for new texts against the plain encoder's pass.
 *
 * - Train step: `learn` on one batch of 32 training utterances in the first experience (the
 *   prompts train); the frozen lower layers' states are cached after the first call, as they are
 *   over a run's epochs. Baseline: the same batch through l2p `size=0` (a linear head on frozen
 *   features, which the loop hands every strategy).
 * - Inference: `predict` on 1 and 32 test utterances never seen before (so no cache helps: the
 *   frozen lower layers, the prompted upper layers, the head), against embeddings + the fused
 *   encoder on the same texts (what any strategy on frozen features pays per new text).
 *   Fresh texts per repetition, the same for every variant (each keeps its own caches); variants
 *   interleaved so machine load hits them alike.
 *
 *   MNEME_BENCH_THREADS=2 node --conditions=@mneme/source --import tsx tools/bench/prompt-cost.ts --reps 9 --out results/step5/prompt-cost.json
 *
 * Prints one JSON line per metric (bench, metric, value, unit, ratio, ratio_to).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CLINC150_STRATEGY_DEFAULTS } from '@mneme/benchmarks';
import { codaPrompt, dualPrompt, l2p, type LabelledBatch, type Strategy, type StrategyContext } from '@mneme/methods';
import { ENCODER_IO } from '@mneme/models';
import { int64FromInt32, tensor } from '@mneme/tensor';
import { clinc150Text } from './clinc150-text.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const reps = Number(flag('reps', '9'));
const out = flag('out', 'results/step5/prompt-cost.json');
const threads = Number(process.env['MNEME_BENCH_THREADS'] ?? 2);
const log = (line: string) => process.stderr.write(`prompt-cost: ${line}\n`);

const { executor, set, store, D, features, text, labelOf } = await clinc150Text(threads, log);
const trainIds = set.texts.map((_, i) => i).filter((i) => set.splits[i] === 'train' && labelOf[i]! < 10);
const testIds = set.texts.map((_, i) => i).filter((i) => set.splits[i] === 'test');

const CODA_VALIDATED = { start: '3', end: '6', head: 'cosine' };
const ctx = (options: Record<string, string>): StrategyContext => ({
  executor,
  classifier: { inputSize: D, hidden: [], classes: 150 },
  optimizer: { kind: 'adam' },
  learningRate: 1e-3,
  batchSize: 32,
  epochs: 1,
  seed: 0,
  options,
  text,
});
const variants: Record<string, Strategy> = {
  'dual-prompt': dualPrompt(ctx({ ...CLINC150_STRATEGY_DEFAULTS['dual-prompt']!.options })),
  // CODA-Prompt as validated (results/step5/val-sweep.md): layers 3–5, cosine head.
  'coda-prompt': codaPrompt(ctx({ ...CODA_VALIDATED })),
};
const headOnly = l2p(ctx({ size: '0' }));
const batchOf = (ids: readonly number[]): LabelledBatch => ({
  features: Float32Array.from(ids.flatMap((id) => [...features.subarray(id * D, (id + 1) * D)])),
  labels: Int32Array.from(ids, (id) => labelOf[id]!),
  ids: Int32Array.from(ids),
  experience: 0,
});
const batch = batchOf(Array.from({ length: 32 }, (_, i) => trainIds[(i * 31) % trainIds.length]!));
for (const s of [...Object.values(variants), headOnly]) await s.beginExperience({ index: 0, classes: [...Array(10).keys()] });

const plainEncode = async (ids: readonly number[]) => {
  const rows = text.tokensOfIds(Int32Array.from(ids));
  const t = Math.max(...rows.map((r) => r.length));
  const inputIds = new Int32Array(ids.length * t).fill(text.padId);
  const mask = new Int32Array(ids.length * t);
  rows.forEach((r, i) => (inputIds.set(r, i * t), mask.fill(1, i * t, i * t + r.length)));
  const emb = await executor.forward(text.embeddings, {
    [ENCODER_IO.inputIds]: tensor('int64', [ids.length, t], int64FromInt32(inputIds)),
    [ENCODER_IO.tokenTypeIds]: tensor('int64', [ids.length, t], new BigInt64Array(ids.length * t)),
  });
  return executor.forward(
    store.inferenceEncoder,
    {
      [ENCODER_IO.inputsEmbeds]: emb[ENCODER_IO.inputsEmbeds]!,
      [ENCODER_IO.attentionMask]: tensor('int64', [ids.length, t], int64FromInt32(mask)),
    },
    { fetches: [text.pooled] },
  );
};
const predict = (s: Strategy, ids: readonly number[]) =>
  s.predict(batchOf(ids).features, { tokens: text.tokensOfIds(Int32Array.from(ids)) });

const timings: Record<string, number[]> = {};
const time = async (key: string, f: () => Promise<unknown>) => {
  const t = performance.now();
  await f();
  (timings[key] ??= []).push(performance.now() - t);
};
// Fresh test texts for every call (a stride through the test set).
const fresh = (() => {
  let at = 0;
  return (n: number) => Array.from({ length: n }, () => testIds[(at++ * 7919) % testIds.length]!);
})();

// Training, within the first experience (with shared=first the G-prompt trains only there).
// The first call compiles the graphs and caches the batch's lower states.
for (const s of [...Object.values(variants), headOnly]) await s.learn(batch);
for (let r = 0; r < reps; r++) {
  await time('head_only_train_step', () => headOnly.learn(batch));
  for (const [name, s] of Object.entries(variants)) await time(`${name}_train_step`, () => s.learn(batch));
}
log('train steps timed');

// Prediction after the experience ends (a fitted head is fitted then).
for (const s of Object.values(variants)) await s.endExperience({ index: 0, classes: [...Array(10).keys()] });
for (const s of Object.values(variants)) for (const n of [1, 32]) await predict(s, fresh(n));
for (const n of [1, 32]) await plainEncode(fresh(n));
for (let r = 0; r < reps; r++) {
  for (const n of [1, 32]) {
    const ids = fresh(n);
    await time(`plain_encoder_${n}`, () => plainEncode(ids));
    // The same new texts for every variant: each keeps its own caches, so none has seen them.
    for (const [name, s] of Object.entries(variants)) await time(`${name}_predict_${n}`, () => predict(s, ids));
  }
  log(`prediction repetition ${r + 1}/${reps}`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const medians = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, median(v)]));
const line = (metric: string, value: number, ratio: number, ratioTo: string) =>
  console.log(
    JSON.stringify({
      bench: 'prompts',
      metric,
      value: Number(value.toFixed(3)),
      unit: 'ms',
      ratio: Number(ratio.toFixed(3)),
      ratio_to: ratioTo,
    }),
  );
for (const name of Object.keys(variants)) {
  line(
    `${name}_train_step_ms`,
    medians[`${name}_train_step`]!,
    medians[`${name}_train_step`]! / medians['head_only_train_step']!,
    'head-only train step (linear head on frozen features)',
  );
  for (const n of [1, 32])
    line(
      `${name}_predict_${n}_ms`,
      medians[`${name}_predict_${n}`]!,
      medians[`${name}_predict_${n}`]! / medians[`plain_encoder_${n}`]!,
      `plain encoder pass, ${n} new ${n === 1 ? 'text' : 'texts'}`,
    );
}
line('head_only_train_step_ms', medians['head_only_train_step']!, 1, 'itself');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      what: 'median wall time per call on CLINC150: train step = learn() on one batch of 32 training utterances of the first experience (frozen lower states cached, as after a first epoch); predict = predict() on 1 or 32 test utterances never seen before; plain encoder = embeddings + fused encoder on the same number of new texts',
      settings: { threads, reps, 'dual-prompt': CLINC150_STRATEGY_DEFAULTS['dual-prompt']!.options, 'coda-prompt': CODA_VALIDATED },
      medians_ms: medians,
      samples_ms: timings,
      command: `node --conditions=@mneme/source --import tsx tools/bench/prompt-cost.ts ${args.join(' ')}`,
    },
    null,
    2,
  )}\n`,
);
log(`wrote ${out}`);
