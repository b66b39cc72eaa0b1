/**
 * Output columns that grow with the classes: each class's initial column is drawn from a stream
 * seeded by the run seed and the class index alone, so a head's initial values do not depend on
 * when (or in which order) its classes arrived, and growing keeps every existing value.
 */
import type { ParameterStore } from '@mneme/execution';
import { Rng } from '@mneme/random';
import { tensor } from '@mneme/tensor';

/** A head's initial columns for classes [from, to): weights `fanIn × (to − from)` row-major, and biases. */
export interface ClassColumns {
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

/** nn.Linear's default init (uniform ±1/√fanIn) of the columns of classes [from, to). */
export function classColumns(seed: number, salt: number, fanIn: number, from: number, to: number): ClassColumns {
  const width = Math.max(0, to - from);
  const weight = new Float32Array(fanIn * width);
  const bias = new Float32Array(width);
  const bound = 1 / Math.sqrt(fanIn);
  for (let c = from; c < to; c++) {
    const rng = Rng.seeded((seed * 7919 + c * 104729) ^ salt);
    for (let i = 0; i < fanIn; i++) weight[i * width + (c - from)] = rng.uniform(-bound, bound);
    // The bias is drawn after the column's weights, from the same stream.
    bias[c - from] = rng.uniform(-bound, bound);
  }
  return { weight, bias };
}

/**
 * Widens parameter `name` of `store` (a `[rows, old]` matrix, or a `[old]` vector when `rows` is 0)
 * to `count` columns: old values first in each row, then `fresh` (`rows × (count − old)`, row-major).
 * Its optimizer state widens with zeros, so new columns start with fresh moments.
 */
export function widenClassParam(store: ParameterStore, name: string, rows: number, count: number, fresh: Float32Array): void {
  const value = store.get(name);
  const old = value.shape.at(-1)!;
  if (count <= old) return;
  const r = Math.max(rows, 1);
  const shape = rows === 0 ? [count] : [rows, count];
  const state = store.stateSlots(name).map((slot) => [slot, store.getState(name, slot).data] as const);
  store.set(name, tensor('float32', shape, widenColumns(value.data, fresh, r, old, count)));
  // `set` dropped the state (the shape changed): put it back, widened.
  for (const [slot, data] of state)
    store.setState(name, slot, tensor('float32', shape, widenColumns(data, new Float32Array(r * (count - old)), r, old, count)));
}

/** `rows × oldWidth` values followed, row by row, by `rows × (newWidth − oldWidth)` fresh ones. */
function widenColumns(old: Float32Array, fresh: Float32Array, rows: number, oldWidth: number, newWidth: number): Float32Array {
  const out = new Float32Array(rows * newWidth);
  const added = newWidth - oldWidth;
  for (let r = 0; r < rows; r++) {
    out.set(old.subarray(r * oldWidth, (r + 1) * oldWidth), r * newWidth);
    out.set(fresh.subarray(r * added, (r + 1) * added), r * newWidth + oldWidth);
  }
  return out;
}
