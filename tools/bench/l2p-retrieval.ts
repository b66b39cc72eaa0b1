/**
 * Dense retrieval with a prompt pool (L2P, Wang et al. 2022) on CLINC150, and the pool's cost.
 *
 * Retrieval: query = a test utterance, relevant = the other test utterances of its intent, gallery =
 * the test set minus the query; recall@1, recall@10 (trec_eval recall_k: share of the query's 29
 * relevant utterances in the top k), MRR@10 and success@1 (top hit relevant), for
 *   - frozen: the frozen encoder's sentence embeddings (all-MiniLM-L6-v2, mean-pooled, normalised);
 *   - continual: prompts and keys trained over the 15 class-incremental experiences (10 intents
 *     each, domain order) in turn, with an in-batch-negatives contrastive loss on pairs of
 *     same-intent training utterances (query and passage each encoded with their own selected
 *     prompts; other pairs of the same intent are masked out as negatives) + λ·surrogate;
 *   - joint: the same pairs, all experiences shuffled together, same number of steps.
 * Cost: one L2P train step (token mode, classification) against the same step in eager PyTorch
 * (tools/bench/l2p_torch.py, when MNEME_BENCH_PYTHON has torch) and against the head-only baseline
 * (linear head on frozen features), and inference latency of selection + prompted forward against the plain
 * encoder (embeddings + encoder), interleaved so machine load hits both alike.
 *
 *   node --conditions=@mneme/source --import tsx tools/bench/l2p-retrieval.ts \
 *     --pairs-per-class 5 --pairs 16 --lr 0.01 --out results/l2p-retrieval.json --cost-out results/l2p-cost.json
 *
 * Flags: --size/--length/--select (M, L, N; 10/5/5), --lambda (0.1), --temperature (0.05),
 * --pairs-per-class, --pairs (pairs per batch), --lr, --epochs (1), --seed (0), --pooling
 * (sentence|prompt|input, default sentence), --test-per-class
 * (gallery: the first k test utterances per intent; 30 = all), --reps (cost repetitions, 3), --skip-cost,
 * --skip-retrieval. Env: MNEME_BENCH_THREADS (ORT intra-op threads, default 1).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { datasetFeatures, encoderStore, textInputs } from '@mneme/benchmarks';
import { loadClinc150 } from '@mneme/data';
import { createExecutor, Engine } from '@mneme/engine';
import { ParameterStore, type Executor } from '@mneme/execution';
import { mrrAtK, recallAtK, type RankedQuery } from '@mneme/metrics';
import {
  buildL2pGraph,
  initPromptPool,
  L2P_IO,
  l2p,
  POOL_PARAMS,
  scatterAddRows,
  selectPrompts,
  sparseUpdate,
  type TextInputs,
} from '@mneme/methods';
import { ENCODER_IO } from '@mneme/models';
import { Rng } from '@mneme/random';
import { gatherRows, scatterRows, tensor, type Tensor } from '@mneme/tensor';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const M = Number(flag('size', '10'));
const L = Number(flag('length', '5'));
const N = Number(flag('select', '5'));
const lambda = Number(flag('lambda', '0.1'));
const temperature = Number(flag('temperature', '0.05'));
const pairsPerClass = Number(flag('pairs-per-class', '5'));
const pairsPerBatch = Number(flag('pairs', '16'));
const lr = Number(flag('lr', '0.01'));
const epochs = Number(flag('epochs', '1'));
const seed = Number(flag('seed', '0'));
const pooling = flag('pooling', 'sentence');
if (pooling !== 'sentence' && pooling !== 'prompt' && pooling !== 'input')
  throw new Error(`--pooling must be sentence, prompt or input, got '${pooling}'`);
const out = flag('out', 'results/l2p-retrieval.json');
const costOut = flag('cost-out', 'results/l2p-cost.json');
const threads = Number(process.env['MNEME_BENCH_THREADS'] ?? 1);
const POOLING_WHAT = {
  sentence: 'mean over prompts and tokens',
  prompt: 'mean over the prompt positions',
  input: 'mean over the input tokens; prompts act through attention',
} as const;
const MAX_TOKENS = 64;
const EVAL_BATCH = 64;

const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: threads, allowSpinning: false }));
const { set, domains } = await loadClinc150();
const store = await encoderStore();
const D = store.manifest.dimension;
const features = await datasetFeatures(executor, store, set.texts);
const text = textInputs(store, set.texts, features, D);
const intents = Object.values(domains).flat();
const intentIndex = new Map(intents.map((name, i) => [name, i]));
const labelOf = set.labels.map((l) => intentIndex.get(l)!);
const testPerClass = Number(flag('test-per-class', '30'));
const allTestIds = set.texts.map((_, i) => i).filter((i) => set.splits[i] === 'test');
/** The gallery: the first `--test-per-class` test utterances of each intent (30 = the whole test set). */
const testIds = (() => {
  const taken = new Map<number, number>();
  return allTestIds.filter((i) => {
    const n = taken.get(labelOf[i]!) ?? 0;
    taken.set(labelOf[i]!, n + 1);
    return n < testPerClass;
  });
})();
const log = (line: string) => process.stderr.write(`l2p-retrieval: ${line}\n`);

/** Token embeddings + extended mask (and the selected prompts) for sample ids, as the L2P graphs take them. */
async function promptedFeeds(
  ex: Executor,
  text: TextInputs,
  pool: ParameterStore | undefined,
  ids: readonly number[],
): Promise<{ feeds: Record<string, Tensor>; selection: Int32Array; queries: Float32Array }> {
  const b = ids.length;
  const queries = gatherRows(features, D, ids);
  const tokens = text
    .tokensOfIds(Int32Array.from(ids))
    .map((t) => (t.length <= MAX_TOKENS ? t : [...t.slice(0, MAX_TOKENS - 1), t.at(-1)!]));
  const t = Math.ceil(Math.max(...tokens.map((x) => x.length)) / 8) * 8;
  const p = pool === undefined ? 0 : N * L;
  const inputIds = new BigInt64Array(b * t).fill(BigInt(text.padId));
  const mask = new BigInt64Array(b * (p + t));
  tokens.forEach((x, i) => {
    x.forEach((id, j) => (inputIds[i * t + j] = BigInt(id)));
    mask.fill(1n, i * (p + t), i * (p + t) + p + x.length);
  });
  const emb = await ex.forward(text.embeddings, {
    [ENCODER_IO.inputIds]: tensor('int64', [b, t], inputIds),
    [ENCODER_IO.tokenTypeIds]: tensor('int64', [b, t], new BigInt64Array(b * t)),
  });
  const feeds: Record<string, Tensor> = {
    [L2P_IO.embeds]: emb[ENCODER_IO.inputsEmbeds]!,
    [L2P_IO.mask]: tensor('int64', [b, p + t], mask),
  };
  let selection = new Int32Array(0) as Int32Array;
  if (pool !== undefined) {
    selection = selectPrompts(queries, pool.get(POOL_PARAMS.keys).data, D, N);
    feeds[L2P_IO.prompts] = tensor('float32', [b, p, D], gatherRows(pool.get(POOL_PARAMS.prompts).data, L * D, selection));
  }
  return { feeds, selection, queries };
}

const encoderSpec = { model: store.encoder, pooledOutput: text.pooled };
// Forward-only passes run the fused encoder, as the strategy's predictions do.
const predictGraph = buildL2pGraph({
  hidden: D,
  promptTokens: N * L,
  selected: N,
  encoder: { ...encoderSpec, model: store.inferenceEncoder },
  pooling,
  normalize: true,
  objective: 'predict',
  classes: 0,
  lambda,
});
const trainGraph = buildL2pGraph({
  hidden: D,
  promptTokens: N * L,
  selected: N,
  encoder: encoderSpec,
  pooling,
  normalize: true,
  objective: 'contrastive',
  classes: 0,
  lambda,
  temperature,
});

/** Prompted, normalised embeddings of `ids` (length-sorted runs of EVAL_BATCH, the last padded). */
async function embedPrompted(pool: ParameterStore, ids: readonly number[]): Promise<Float32Array> {
  const order = [...ids.keys()].sort((a, b) => set.texts[ids[a]!]!.length - set.texts[ids[b]!]!.length || a - b);
  const outVecs = new Float32Array(ids.length * D);
  for (let s = 0; s < order.length; s += EVAL_BATCH) {
    const rows = order.slice(s, s + EVAL_BATCH);
    const padded = Array.from({ length: EVAL_BATCH }, (_, i) => ids[rows[i] ?? rows[0]!]!);
    const { feeds } = await promptedFeeds(executor, text, pool, padded);
    const res = await executor.forward(predictGraph, feeds, { fetches: [L2P_IO.pooled] });
    const v = res[L2P_IO.pooled]!.data as Float32Array;
    scatterRows(outVecs, D, rows, v);
  }
  return outVecs;
}

/** recall@1, recall@10, MRR@10 and success@1 of retrieval among `ids` with embeddings `vecs`. */
function retrievalMetrics(ids: readonly number[], vecs: Float32Array): Record<string, number> {
  const n = ids.length;
  const queries: RankedQuery[] = [];
  let success1 = 0;
  const scores = new Float32Array(n);
  for (let q = 0; q < n; q++) {
    for (let g = 0; g < n; g++) {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += vecs[q * D + d]! * vecs[g * D + d]!;
      scores[g] = g === q ? -Infinity : dot;
    }
    const top: number[] = [];
    for (let g = 0; g < n; g++) {
      if (g === q) continue;
      if (top.length < 10 || scores[g]! > scores[top.at(-1)!]!) {
        top.push(g);
        top.sort((a, b) => scores[b]! - scores[a]! || a - b);
        if (top.length > 10) top.pop();
      }
    }
    const relevance: Record<string, number> = {};
    for (let g = 0; g < n; g++) if (g !== q && labelOf[ids[g]!] === labelOf[ids[q]!]) relevance[String(g)] = 1;
    queries.push({ ranked: top.map(String), relevance });
    if (labelOf[ids[top[0]!]!] === labelOf[ids[q]!]) success1 += 1;
  }
  return {
    recall_at_1: recallAtK(queries, 1).value,
    recall_at_10: recallAtK(queries, 10).value,
    mrr_at_10: mrrAtK(queries, 10).value,
    success_at_1: success1 / n,
  };
}

/** Same-intent training pairs per experience (consecutive utterances of a shuffled intent). */
function experiencePairs(rng: Rng): [number, number][][] {
  const trainByIntent = new Map<number, number[]>();
  set.texts.forEach((_, i) => {
    if (set.splits[i] !== 'train') return;
    const list = trainByIntent.get(labelOf[i]!) ?? [];
    list.push(i);
    trainByIntent.set(labelOf[i]!, list);
  });
  const out: [number, number][][] = [];
  for (let e = 0; e < 15; e++) {
    const pairs: [number, number][] = [];
    for (let c = e * 10; c < (e + 1) * 10; c++) {
      const shuffled = rng.shuffle([...trainByIntent.get(c)!]);
      for (let k = 0; k < pairsPerClass; k++) pairs.push([shuffled[2 * k]!, shuffled[2 * k + 1]!]);
    }
    out.push(rng.shuffle(pairs));
  }
  return out;
}

/** One contrastive step on `pairs` (padded to pairsPerBatch with weight 0); updates the pool in place. */
async function contrastiveStep(pool: ParameterStore, pairs: readonly [number, number][]): Promise<number> {
  const P = pairsPerBatch;
  const real = pairs.length;
  const padded = Array.from({ length: P }, (_, i) => pairs[i] ?? pairs[0]!);
  const ids = [...padded.map((p) => p[0]), ...padded.map((p) => p[1])];
  const { feeds, selection, queries } = await promptedFeeds(executor, text, pool, ids);
  feeds[L2P_IO.query] = tensor('float32', [2 * P, D], queries);
  feeds[L2P_IO.keys] = tensor('float32', [2 * P, N, D], gatherRows(pool.get(POOL_PARAMS.keys).data, D, selection));
  feeds[L2P_IO.labels] = tensor(
    'int64',
    [P],
    BigInt64Array.from({ length: P }, (_, i) => BigInt(i)),
  );
  feeds[L2P_IO.weights] = tensor(
    'float32',
    [P],
    Float32Array.from({ length: P }, (_, i) => (i < real ? 1 / real : 0)),
  );
  const bias = new Float32Array(P * P);
  for (let i = 0; i < P; i++)
    for (let j = 0; j < P; j++) if (i !== j && (labelOf[padded[i]![0]] === labelOf[padded[j]![1]] || j >= real)) bias[i * P + j] = -1e9;
  feeds[L2P_IO.pairBias] = tensor('float32', [P, P], bias);
  const result = await executor.lossAndGradients(trainGraph, feeds, { loss: L2P_IO.loss, wrt: [L2P_IO.prompts, L2P_IO.keys] });
  // Padding rows (weight 0) contribute no gradient; only real rows' selections are touched.
  const realRows = [...Array(2 * P).keys()].filter((r) => r % P < real);
  const pick = (g: Float32Array, width: number) => Float32Array.from(realRows.flatMap((r) => [...g.subarray(r * width, (r + 1) * width)]));
  const sel = Int32Array.from(realRows.flatMap((r) => [...selection.subarray(r * N, (r + 1) * N)]));
  const gp = scatterAddRows(pick(result.gradients.get(L2P_IO.prompts)!.data as Float32Array, N * L * D), L * D, sel, M);
  const gk = scatterAddRows(pick(result.gradients.get(L2P_IO.keys)!.data as Float32Array, N * D), D, sel, M);
  pool.step += 1;
  sparseUpdate(pool, POOL_PARAMS.prompts, gp.grad, { kind: 'adam' }, lr, pool.step, { size: L * D, touched: gp.touched });
  sparseUpdate(pool, POOL_PARAMS.keys, gk.grad, { kind: 'adam' }, lr, pool.step, { size: D, touched: gk.touched });
  return result.loss;
}

async function trainPool(batchesOf: [number, number][][], label: string): Promise<ParameterStore> {
  const pool = new ParameterStore();
  initPromptPool(pool, { size: M, length: L, selected: N, dim: D }, seed ^ 0x12f);
  const started = performance.now();
  for (const [e, pairs] of batchesOf.entries()) {
    let loss = 0;
    let steps = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let s = 0; s < pairs.length; s += pairsPerBatch) {
        loss += await contrastiveStep(pool, pairs.slice(s, s + pairsPerBatch));
        steps += 1;
      }
    }
    log(`${label} ${e}: ${steps} steps, mean loss ${(loss / steps).toFixed(3)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  return pool;
}

if (!args.includes('--skip-cost')) {
  const reps = Number(flag('reps', '3'));
  const classes = 150;
  const ctxBase = {
    executor,
    classifier: { inputSize: D, hidden: [], classes },
    optimizer: { kind: 'adam' as const },
    learningRate: 1e-3,
    batchSize: 32,
    epochs: 1,
    seed,
    text,
  };
  const prompted = l2p({ ...ctxBase, options: { size: String(M), length: String(L), select: String(N) } });
  const headOnly = l2p({ ...ctxBase, options: { size: '0' } });
  const trainIds = set.texts.map((_, i) => i).filter((i) => set.splits[i] === 'train');
  const batchIds = Int32Array.from({ length: 32 }, (_, i) => trainIds[i * 97]!);
  const batch = {
    features: Float32Array.from([...batchIds].flatMap((id) => [...features.subarray(id * D, (id + 1) * D)])),
    labels: Int32Array.from(batchIds, (id) => labelOf[id]!),
    ids: batchIds,
    experience: 0,
  };
  for (const s of [prompted, headOnly]) await s.beginExperience({ index: 0, classes: [...new Set(batch.labels)] });
  const pool = new ParameterStore();
  initPromptPool(pool, { size: M, length: L, selected: N, dim: D }, seed);
  const plainEncode = async (ids: readonly number[]) => {
    const { feeds } = await promptedFeeds(executor, text, undefined, ids);
    return executor.forward(
      store.inferenceEncoder,
      { [ENCODER_IO.inputsEmbeds]: feeds[L2P_IO.embeds]!, [ENCODER_IO.attentionMask]: feeds[L2P_IO.mask]! },
      { fetches: [text.pooled] },
    );
  };
  const promptedEncode = async (ids: readonly number[]) => {
    const { feeds } = await promptedFeeds(executor, text, pool, ids);
    return executor.forward(predictGraph, feeds, { fetches: [L2P_IO.pooled] });
  };
  const timings: Record<string, number[]> = {
    l2p_train_step: [],
    head_only_train_step: [],
    plain_encoder_1: [],
    prompted_encoder_1: [],
    plain_encoder_32: [],
    prompted_encoder_32: [],
  };
  const time = async (key: string, f: () => Promise<unknown>) => {
    const t = performance.now();
    await f();
    timings[key]!.push(performance.now() - t);
  };
  const one = [testIds[0]!];
  const many = testIds.slice(0, 32);
  // Warm-up compiles every shape once; then the variants alternate so load affects them alike.
  await prompted.learn(batch);
  await headOnly.learn(batch);
  await plainEncode(one);
  await promptedEncode(one);
  await plainEncode(many);
  await promptedEncode(many);
  for (let r = 0; r < reps; r++) {
    await time('l2p_train_step', () => prompted.learn(batch));
    await time('head_only_train_step', () => headOnly.learn(batch));
    await time('plain_encoder_1', () => plainEncode(one));
    await time('prompted_encoder_1', () => promptedEncode(one));
    await time('plain_encoder_32', () => plainEncode(many));
    await time('prompted_encoder_32', () => promptedEncode(many));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const medians = Object.fromEntries(Object.entries(timings).map(([k, v]) => [`${k}_ms`, median(v)]));
  const torchStep = pytorchL2pStep(text.tokensOfIds(batchIds), [...batch.labels], classes, reps);
  const cost = {
    what: 'median wall time per call, batch of 32 CLINC150 training utterances (train steps) or test utterances (encoders, 1 and 32 queries); prompted = selection + embeddings + prompted encoder forward; plain = embeddings + encoder forward; head-only = l2p size=0 (linear head on frozen features)',
    settings: { M, L, N, threads, reps, batch: 32 },
    ...medians,
    train_step_ratio: medians['l2p_train_step_ms']! / medians['head_only_train_step_ms']!,
    pytorch_train_step_ms: torchStep?.ms,
    train_step_ratio_to_pytorch: torchStep === undefined ? undefined : medians['l2p_train_step_ms']! / torchStep.ms,
    inference_ratio_1: medians['prompted_encoder_1_ms']! / medians['plain_encoder_1_ms']!,
    inference_ratio_32: medians['prompted_encoder_32_ms']! / medians['plain_encoder_32_ms']!,
    samples: timings,
    command: `node --conditions=@mneme/source --import tsx tools/bench/l2p-retrieval.ts ${args.join(' ')}`,
  };

  // One JSON object per line, as every bench:<area> script prints.
  const line = (metric: string, value: number, ratio: number, ratioTo: string) =>
    console.log(
      JSON.stringify({
        bench: 'l2p',
        metric,
        value: Number(value.toFixed(3)),
        unit: 'ms',
        ratio: Number(ratio.toFixed(3)),
        ratio_to: ratioTo,
      }),
    );
  if (torchStep !== undefined)
    line(
      'train_step_ms',
      medians['l2p_train_step_ms']!,
      cost.train_step_ratio_to_pytorch!,
      'pytorch-eager (same prompted step, same batch)',
    );
  line(
    'train_step_over_head_only',
    medians['l2p_train_step_ms']!,
    cost.train_step_ratio,
    'head-only train step (linear head on frozen features)',
  );
  line('head_only_train_step_ms', medians['head_only_train_step_ms']!, 1, 'itself');
  line('inference_1_query_ms', medians['prompted_encoder_1_ms']!, cost.inference_ratio_1, 'plain encoder, 1 query');
  line('inference_32_queries_ms', medians['prompted_encoder_32_ms']!, cost.inference_ratio_32, 'plain encoder, 32 queries');
  mkdirSync(dirname(costOut), { recursive: true });
  writeFileSync(costOut, `${JSON.stringify(cost, null, 2)}\n`);
  log(`wrote ${costOut}`);
}

/**
 * The same prompted train step in eager PyTorch (tools/bench/l2p_torch.py), on the same token rows,
 * when MNEME_BENCH_PYTHON has torch; undefined (and a note on stderr) otherwise.
 */
function pytorchL2pStep(
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  classes: number,
  reps: number,
): { ms: number } | undefined {
  const python = process.env['MNEME_BENCH_PYTHON'] ?? 'python3';
  if (spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
    log(`PyTorch not importable with ${python}: no PyTorch ratio (set MNEME_BENCH_PYTHON)`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'mneme-l2p-'));
  try {
    const file = join(dir, 'batch.json');
    const c = store.manifest.config;
    const truncated = rows.map((t) => (t.length <= MAX_TOKENS ? t : [...t.slice(0, MAX_TOKENS - 1), t.at(-1)!]));
    writeFileSync(
      file,
      JSON.stringify({
        rows: truncated,
        labels,
        classes,
        size: M,
        length: L,
        select: N,
        lambda,
        hidden: D,
        layers: c.numHiddenLayers,
        heads: c.numAttentionHeads,
        ffn: c.intermediateSize,
        vocab: c.vocabSize,
        positions: c.maxPositionEmbeddings,
      }),
    );
    const run = spawnSync(python, [new URL('./l2p_torch.py', import.meta.url).pathname, file, String(threads), String(reps)], {
      encoding: 'utf8',
    });
    if (run.status !== 0) {
      log(`PyTorch side failed: ${run.stderr}`);
      return undefined;
    }
    return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { ms: number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!args.includes('--skip-retrieval')) {
  const started = performance.now();
  const frozen = gatherRows(features, D, testIds);
  const report: Record<string, unknown> = {
    benchmark:
      'CLINC150 dense retrieval: query = a test utterance, relevant = other test utterances of its intent, gallery = test set minus the query',
    gallery: testIds.length,
    settings: {
      M,
      L,
      N,
      lambda,
      temperature,
      test_per_class: testPerClass,
      pairs_per_class: pairsPerClass,
      pairs_per_batch: pairsPerBatch,
      lr,
      optimizer: 'adam (lazy rows)',
      epochs,
      seed,
      pooling: `${pooling} (${POOLING_WHAT[pooling]}), normalised`,
      threads,
    },
    command: `node --conditions=@mneme/source --import tsx tools/bench/l2p-retrieval.ts ${args.join(' ')}`,
    frozen: retrievalMetrics(testIds, frozen),
  };
  log(`frozen ${JSON.stringify(report['frozen'])}`);
  const rng = Rng.seeded(seed);
  const perExperience = experiencePairs(rng);
  const continual = await trainPool(perExperience, 'continual');
  report['continual'] = retrievalMetrics(testIds, await embedPrompted(continual, testIds));
  log(`continual ${JSON.stringify(report['continual'])}`);
  const all = rng.shuffle(perExperience.flat());
  const joint = await trainPool([all], 'joint');
  report['joint'] = retrievalMetrics(testIds, await embedPrompted(joint, testIds));
  log(`joint ${JSON.stringify(report['joint'])}`);
  report['wall_s'] = (performance.now() - started) / 1000;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${out}`);
}
