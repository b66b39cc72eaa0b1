/**
 * Full-batch training of a {@link Classifier} to convergence with L-BFGS, and the choice of its L2
 * strength on a held-out slice of the training data (what `joint` does with `solver=lbfgs`).
 *
 * The objective is the mean cross-entropy over every row plus (l2/2)·‖W‖² over the weight matrices
 * (not the biases); its gradient comes from `Executor.lossAndGradients` on the classifier's loss
 * graph, over the whole batch as one feed (chunked, and summed, above {@link MAX_FEED_ROWS} rows).
 */
import { ParameterStore, type Executor } from '@mneme/execution';
import { CLASSIFIER_IO } from '@mneme/models';
import { gatherRows, int64FromInt32, tensor, type Tensor } from '@mneme/tensor';
import type { Classifier } from '../core/classifier.js';
import { minimizeLbfgs, type LbfgsOptions, type LbfgsResult } from './lbfgs.js';

/** Most rows in one gradient feed; more are split into near-equal chunks whose gradients are summed. */
export const MAX_FEED_ROWS = 20_000;

/**
 * L2 strengths tried, as l2 × (training rows): sklearn's 1/C, so C ∈ {1, 10, 100}. Scaling by the
 * row count keeps the per-sample balance of loss and penalty as the data seen grows.
 */
export const L2_GRID_PER_ROW: readonly number[] = [1, 0.1, 0.01];

/** Rows to fit on: `features` is `rows × inputSize`. */
export interface Rows {
  readonly features: Float32Array;
  readonly labels: Int32Array;
}

/**
 * Sets `net`'s parameters to the minimiser of mean cross-entropy + (l2/2)·‖W‖² on `rows`, starting
 * from its current parameters (optimizer state is dropped). Deterministic for a deterministic executor.
 */
export async function fitLbfgs(
  net: Classifier,
  executor: Executor,
  rows: Rows,
  l2: number,
  options: LbfgsOptions = {},
): Promise<LbfgsResult> {
  const d = net.spec.inputSize;
  const n = rows.labels.length;
  const start = net.store;
  const names = start.names();
  const shapes = names.map((name) => start.get(name).shape);
  const offsets: number[] = [];
  let size = 0;
  for (const name of names) {
    offsets.push(size);
    size += start.get(name).data.length;
  }
  const penalised = names.map((name) => name.endsWith('.weight'));
  const pieces = Math.max(1, Math.ceil(n / MAX_FEED_ROWS));
  const feeds: { rows: number; feeds: Record<string, Tensor> }[] = [];
  for (let p = 0; p < pieces; p++) {
    const [from, to] = [Math.floor((p * n) / pieces), Math.floor(((p + 1) * n) / pieces)];
    feeds.push({
      rows: to - from,
      feeds: {
        [CLASSIFIER_IO.input]: tensor('float32', [to - from, d], rows.features.slice(from * d, to * d)),
        [CLASSIFIER_IO.labels]: tensor('int64', [to - from], int64FromInt32(rows.labels.subarray(from, to))),
      },
    });
  }
  const toStore = (x: Float64Array): ParameterStore => {
    const store = new ParameterStore();
    names.forEach((name, k) =>
      store.set(name, tensor('float32', shapes[k]!, Float32Array.from(x.subarray(offsets[k], offsets[k]! + start.get(name).data.length)))),
    );
    return store;
  };
  const model = net.model;
  const objective = async (x: Float64Array) => {
    const params = toStore(x);
    const gradient = new Float64Array(size);
    let value = 0;
    for (const chunk of feeds) {
      const result = await executor.lossAndGradients(model, chunk.feeds, { loss: CLASSIFIER_IO.loss, wrt: names, params });
      const weight = chunk.rows / n;
      value += weight * result.loss;
      names.forEach((name, k) => {
        const g = result.gradients.get(name)!.data as Float32Array;
        const at = offsets[k]!;
        for (let i = 0; i < g.length; i++) gradient[at + i]! += weight * g[i]!;
      });
    }
    names.forEach((name, k) => {
      if (!penalised[k]) return;
      const w = params.get(name).data;
      const at = offsets[k]!;
      for (let i = 0; i < w.length; i++) {
        value += 0.5 * l2 * w[i]! * w[i]!;
        gradient[at + i]! += l2 * w[i]!;
      }
    });
    return { value, gradient };
  };
  const x0 = new Float64Array(size);
  names.forEach((name, k) => x0.set(start.get(name).data, offsets[k]));
  const result = await minimizeLbfgs(objective, x0, options);
  net.setStore(toStore(result.x));
  return result;
}

/** A 32-bit mix of a seed and a sample id (murmur3's finaliser): the id's place in its class's held-out order. */
function mix(seed: number, id: number): number {
  let h = (seed ^ Math.imul(id, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Which rows to hold out: per class, `round(fraction · count)` rows (never the class's last one),
 * those whose ids rank first under a seeded hash. It depends only on the rows' labels and ids and
 * the seed — not on their order — so a sample stays held out while the data grows.
 */
export function stratifiedHoldout(labels: ArrayLike<number>, ids: ArrayLike<number>, fraction: number, seed: number): boolean[] {
  const byClass = new Map<number, number[]>();
  for (let r = 0; r < labels.length; r++) {
    const rows = byClass.get(labels[r]!) ?? [];
    rows.push(r);
    byClass.set(labels[r]!, rows);
  }
  const held = new Array<boolean>(labels.length).fill(false);
  for (const rows of byClass.values()) {
    const key = (r: number) => mix(seed, ids[r]! >= 0 ? ids[r]! : r);
    rows.sort((a, b) => key(a) - key(b) || a - b);
    const count = Math.min(Math.round(fraction * rows.length), rows.length - 1);
    for (const r of rows.slice(0, count)) held[r] = true;
  }
  return held;
}

/** The rows `keep` marks (or does not, with `invert`). */
export function selectRows(rows: Rows, keep: readonly boolean[], inputSize: number, invert = false): Rows {
  const picked = keep.flatMap((k, r) => (k !== invert ? [r] : []));
  return { features: gatherRows(rows.features, inputSize, picked), labels: Int32Array.from(picked, (r) => rows.labels[r]!) };
}

/** What {@link chooseL2} found. */
export interface L2Choice {
  /** The l2 × rows value chosen from {@link L2_GRID_PER_ROW}. */
  readonly perRow: number;
  /** Held-out accuracy of each grid value, in grid order. */
  readonly accuracies: readonly number[];
}

/**
 * Fits `net` on the training rows for each grid value, from the largest l2 down (each fit starts
 * where the previous one ended), and picks the best held-out accuracy; ties go to the larger l2.
 * Leaves `net` at the chosen fit's parameters.
 */
export async function chooseL2(
  net: Classifier,
  executor: Executor,
  train: Rows,
  heldOut: Rows,
  options: LbfgsOptions = {},
): Promise<L2Choice> {
  const accuracies: number[] = [];
  let best = -1;
  let bestStore = net.store;
  for (const perRow of L2_GRID_PER_ROW) {
    await fitLbfgs(net, executor, train, perRow / train.labels.length, options);
    const predicted = await net.predict(heldOut.features);
    const accuracy = predicted.filter((c, i) => c === heldOut.labels[i]).length / heldOut.labels.length;
    accuracies.push(accuracy);
    if (best < 0 || accuracy > accuracies[best]!) {
      best = accuracies.length - 1;
      bestStore = net.store;
    }
  }
  net.setStore(bestStore);
  return { perRow: L2_GRID_PER_ROW[best]!, accuracies };
}
