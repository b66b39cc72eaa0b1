/**
 * `npm run bench:engine`: forward and train-step times of mneme's engine (gradient graphs built by
 * libs/autodiff, run on ONNX Runtime) for an MLP, a small BERT-shaped encoder and the MiniLM-L6
 * shape, side by side with eager PyTorch in the same run when `import torch` works.
 * Prints one JSON object per line: bench, metric, value, unit, and ratio (mneme / PyTorch).
 *
 * Encoder cases also print, measured in the same run:
 * - `<case>/gemm_gflops`: ONNX Runtime MatMul alone on the encoder's own shapes (the chain of one
 *   layer's [b·s, h]×[h, h] ×4, [b·s, h]×[h, ffn] and [b·s, ffn]×[ffn, h] products): this machine's
 *   GEMM rate, the ceiling of a GEMM-bound graph. Each case's GFLOP/s line carries
 *   `fraction_of_gemm` (whole-graph GFLOP/s / that rate).
 * - `<case>/forward_vs_ort_export_ms`: mneme's forward next to ONNX Runtime running PyTorch's own
 *   ONNX export of the same model (torch.onnx.export, optimisation level all, same threads), the
 *   practical limit; `ratio` is mneme / that.
 * Forward rows use the forward-only graph (`buildBertEncoderFused`, ONNX Runtime's fused kernels),
 * as the inference path does; `<case>/forward_standard_ops_ms` is the standard-op graph that
 * gradients are built from. Rows with a target carry `goal` (e.g. "<= 1.0").
 *
 * Env: MNEME_BENCH_THREADS (default 2), MNEME_BENCH_SECONDS per case (default 3),
 * MNEME_BENCH_PYTHON (default python3), MNEME_BENCH_CASES (comma-separated filter).
 */
import { spawnSync } from 'node:child_process';
import { forward, lossAndGradients, Engine, TrainStep } from '@mneme/engine';
import { ParameterStore } from '@mneme/execution';
import { createTensor, GraphBuilder, type Model } from '@mneme/graph';
import {
  buildBertEncoder,
  buildBertEncoderFused,
  buildMlp,
  CLASSIFIER_IO,
  ENCODER_IO,
  MINILM_L6_SHAPE,
  randomBertWeights,
  withCrossEntropyLoss,
  type BertConfig,
} from '@mneme/models';
import { Rng } from '@mneme/random';
import { tensor, type Tensor } from '@mneme/tensor';

const threads = Number(process.env['MNEME_BENCH_THREADS'] ?? 2);
const budgetMs = 1000 * Number(process.env['MNEME_BENCH_SECONDS'] ?? 3);
const python = process.env['MNEME_BENCH_PYTHON'] ?? 'python3';
const only = process.env['MNEME_BENCH_CASES']?.split(',');

/** Targets by metric suffix (mneme / reference, or fraction of the GEMM rate). */
const GOALS: ReadonlyArray<{ match: RegExp; goal: string }> = [
  { match: /^minilm-.*\/(forward|input_gradient)_gflops$/, goal: 'fraction_of_gemm >= 0.85' },
  { match: /^minilm-.*\/forward_vs_ort_export_ms$/, goal: 'ratio <= 1.0' },
  { match: /^bert-h128-.*\/(forward|input_gradient)_ms$/, goal: 'ratio <= 0.7' },
  { match: /^mlp-.*\/train_step_ms$/, goal: 'ratio <= 1.0' },
];
const goalOf = (metric: string) => GOALS.find((g) => g.match.test(metric))?.goal;

interface Line {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  ratio?: number;
  ratio_to?: string;
  [extra: string]: unknown;
}
const print = (line: Line) => console.log(JSON.stringify(line));

async function timed(fn: () => Promise<unknown>, warmup = 3, minIters = 5): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minIters || (performance.now() - start < budgetMs && samples.length < 2000)) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

const rng = Rng.seeded(0);
const randTensor = (shape: number[], lo = 0, hi = 1): Tensor<'float32'> =>
  tensor(
    'float32',
    shape,
    Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.uniform(lo, hi)),
  );

/** Measurements of one case: metric → ms, plus FLOPs where known and the GEMM rate on its shapes. */
type Results = Map<string, { ms: number; flops?: number; gemmGflops?: number }>;

async function mlpCases(engine: Engine, results: Results): Promise<void> {
  for (const batch of [10, 128]) {
    const name = `mlp-784-400-400-10/batch-${batch}`;
    if (only && !only.some((o) => name.startsWith(o))) continue;
    const model = withCrossEntropyLoss(buildMlp({ sizes: [784, 400, 400, 10], seed: 0 }));
    const classifier = buildMlp({ sizes: [784, 400, 400, 10], seed: 0 });
    const x = randTensor([batch, 784]);
    const labels = tensor(
      'int64',
      [batch],
      BigInt64Array.from({ length: batch }, () => BigInt(rng.int(10))),
    );
    results.set(`${name}/forward`, { ms: await timed(() => forward(engine, classifier, { [CLASSIFIER_IO.input]: x })) });
    const store = ParameterStore.fromModel(model);
    const step = TrainStep.create(engine, { model, loss: CLASSIFIER_IO.loss, store, optimizer: { kind: 'sgd' }, lr: 0.1 });
    results.set(`${name}/train_step`, { ms: await timed(() => step.step({ [CLASSIFIER_IO.input]: x, [CLASSIFIER_IO.labels]: labels })) });
  }
}

/** Forward FLOPs of a BERT encoder (multiply-adds × 2), and of forward + input-gradient backward. */
function encoderFlops(c: BertConfig, batch: number, seq: number): { forward: number; inputGradient: number } {
  const tokens = batch * seq;
  const linear = 2 * tokens * (4 * c.hiddenSize * c.hiddenSize + 2 * c.hiddenSize * c.intermediateSize);
  const attention = 2 * 2 * batch * seq * seq * c.hiddenSize;
  const forwardFlops = c.numHiddenLayers * (linear + attention);
  // Input gradient: each linear's dX = dY·Wᵀ (same cost), attention backward needs four products.
  return { forward: forwardFlops, inputGradient: forwardFlops + c.numHiddenLayers * (linear + 2 * attention) };
}

/**
 * GFLOP/s of ONNX Runtime MatMul alone on one encoder layer's linear shapes, chained
 * (x·Wq·Wk·Wv·Wo·W1·W2), run through the same engine and threads as the encoder itself.
 */
async function gemmRate(engine: Engine, config: BertConfig, tokens: number): Promise<number> {
  const [h, ffn] = [config.hiddenSize, config.intermediateSize];
  const b = new GraphBuilder({ name: 'gemm-rate' });
  let x = b.input('x', 'float32', [tokens, h]);
  const shapes: [number, number][] = [
    [h, h],
    [h, h],
    [h, h],
    [h, h],
    [h, ffn],
    [ffn, h],
  ];
  shapes.forEach(([k, n], i) => {
    const w = b.initializer(
      `w${i}`,
      createTensor(
        'float32',
        [k, n],
        Float32Array.from({ length: k * n }, () => rng.uniform(-1, 1) / Math.sqrt(k)),
      ),
    );
    x = b.matMul(x, w);
  });
  b.output(x, 'float32', [tokens, h]);
  const model = b.build();
  const feeds = { x: randTensor([tokens, h], -1, 1) };
  const flops = shapes.reduce((sum, [k, n]) => sum + 2 * tokens * k * n, 0);
  return flops / ((await timed(() => forward(engine, model, feeds), 3, 5)) * 1e6);
}

async function encoderCase(engine: Engine, results: Results, name: string, config: BertConfig, batch = 16, seq = 64): Promise<void> {
  if (only && !only.some((o) => name.startsWith(o))) return;
  const weights = randomBertWeights(config, 0);
  const encoder = buildBertEncoder(config, weights);
  const fused = buildBertEncoderFused(config, weights);
  const b = GraphBuilder.from(encoder);
  b.op('ReduceSum', [ENCODER_IO.meanPooled], { keepdims: { type: 'int', value: 0 } }, { outputs: ['objective'] });
  b.output('objective', 'float32', []);
  const withObjective: Model = b.build();
  const embeds = randTensor([batch, seq, config.hiddenSize], -1, 1);
  const mask = tensor(
    'int64',
    [batch, seq],
    BigInt64Array.from({ length: batch * seq }, (_, i) => (i % seq < (seq * 3) / 4 ? 1n : 0n)),
  );
  const feeds = { [ENCODER_IO.inputsEmbeds]: embeds, [ENCODER_IO.attentionMask]: mask };
  const flops = encoderFlops(config, batch, seq);
  const gemmGflops = await gemmRate(engine, config, batch * seq);
  results.set(`${name}/gemm`, { ms: 0, gemmGflops });
  results.set(`${name}/forward`, { ms: await timed(() => forward(engine, fused, feeds), 2, 3), flops: flops.forward, gemmGflops });
  results.set(`${name}/forward_standard_ops`, {
    ms: await timed(() => forward(engine, encoder, feeds), 2, 3),
    flops: flops.forward,
    gemmGflops,
  });
  const grad = () => lossAndGradients(engine, withObjective, feeds, { loss: 'objective', wrt: [ENCODER_IO.inputsEmbeds] });
  results.set(`${name}/input_gradient`, { ms: await timed(grad, 2, 3), flops: flops.inputGradient, gemmGflops });
}

function torchResults(): Map<string, number> | undefined {
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.error(`PyTorch not importable with ${python}; printing mneme's figures without ratios (set MNEME_BENCH_PYTHON).`);
    return undefined;
  }
  const run = spawnSync(python, [new URL('./engine_torch.py', import.meta.url).pathname, String(threads), String(budgetMs / 1000)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) {
    console.error(`PyTorch side failed: ${run.stderr}`);
    return undefined;
  }
  const out = new Map<string, number>();
  for (const line of run.stdout.split('\n').filter(Boolean)) {
    const { case: c, metric, ms } = JSON.parse(line) as { case: string; metric: string; ms: number };
    out.set(`${c}/${metric}`, ms);
  }
  return out;
}

async function main(): Promise<void> {
  const engine = await Engine.create({ device: 'cpu', intraOpNumThreads: threads });
  const results: Results = new Map();
  await mlpCases(engine, results);
  await encoderCase(engine, results, 'bert-h128-l2-a2-f512/seq-64/batch-16', {
    ...MINILM_L6_SHAPE,
    hiddenSize: 128,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    intermediateSize: 512,
  });
  await encoderCase(engine, results, 'minilm-l6-h384/seq-64/batch-16', MINILM_L6_SHAPE);
  const torch = torchResults();
  for (const [metric, { ms, flops, gemmGflops }] of results) {
    if (metric.endsWith('/gemm')) {
      print({
        bench: 'engine',
        metric: `${metric}_gflops`,
        value: round(gemmGflops!, 1),
        unit: 'GFLOP/s',
        op: 'onnxruntime-matmul',
        threads,
      });
      continue;
    }
    const reference = torch?.get(metric);
    const line: Line = {
      bench: 'engine',
      metric: `${metric}_ms`,
      value: round(ms, 3),
      unit: 'ms',
      ...(reference === undefined ? {} : { ratio: round(ms / reference, 3), ratio_to: 'pytorch-eager', pytorch_ms: round(reference, 3) }),
      threads,
    };
    print(withGoal(line));
    const ortExport = metric.endsWith('/forward') ? torch?.get(`${metric}_ort_export`) : undefined;
    if (ortExport !== undefined) {
      const vs: Line = {
        bench: 'engine',
        metric: `${metric}_vs_ort_export_ms`,
        value: round(ms, 3),
        unit: 'ms',
        ratio: round(ms / ortExport, 3),
        ratio_to: 'onnxruntime-on-pytorch-export',
        ort_export_ms: round(ortExport, 3),
        threads,
      };
      print(withGoal(vs));
    }
    if (flops !== undefined && gemmGflops !== undefined) {
      const gflops = flops / (ms * 1e6);
      const fraction = round(gflops / gemmGflops, 3);
      print(
        withGoal({
          bench: 'engine',
          metric: `${metric}_gflops`,
          value: round(gflops, 1),
          unit: 'GFLOP/s',
          ratio: fraction,
          ratio_to: 'onnxruntime-matmul-same-shapes',
          fraction_of_gemm: fraction,
          gemm_gflops: round(gemmGflops, 1),
        }),
      );
    }
  }
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

function withGoal(line: Line): Line {
  const goal = goalOf(line.metric);
  return goal === undefined ? line : { ...line, goal };
}

await main();
