import type { OptimizerSpec, ParameterStore } from '@mneme/execution';
import { tensor } from '@mneme/tensor';
import { adamStep } from '../core/host-adam.js';

/** Rows of a parameter that an update may touch (the rest keep value and optimizer state). */
export interface TouchedRows {
  /** Values per row. */
  readonly size: number;
  /** 1 for rows that received a gradient this step. */
  readonly touched: Uint8Array;
}

/**
 * One optimizer update of parameter `name` in `store` with `grad`, in JS, as PyTorch's SGD/Adam/
 * AdamW compute it (`step` is the 1-based update number, for Adam's bias correction). With `rows`,
 * a lazy (sparse) update: only touched rows move and only their moments decay, as
 * `torch.optim.SparseAdam` does — so prompts no input selected stay exactly as they were (an old
 * experience's prompts are not dragged by momentum). Gradient clipping is applied by the caller.
 */
export function sparseUpdate(
  store: ParameterStore,
  name: string,
  grad: Float32Array,
  spec: OptimizerSpec,
  lr: number,
  step: number,
  rows?: TouchedRows,
): void {
  const current = store.get(name);
  const p = Float32Array.from(current.data);
  const n = p.length;
  const rowSize = rows?.size ?? n;
  const active = (i: number) => rows === undefined || rows.touched[Math.floor(i / rowSize)] === 1;
  if (spec.kind === 'sgd') {
    const momentum = spec.momentum ?? 0;
    const wd = spec.weightDecay ?? 0;
    const buf = momentum > 0 ? slot(store, name, 'momentum') : undefined;
    for (let i = 0; i < n; i++) {
      if (!active(i)) continue;
      let g = grad[i]! + wd * p[i]!;
      if (buf !== undefined) {
        buf[i] = momentum * buf[i]! + g;
        g = spec.nesterov === true ? g + momentum * buf[i]! : buf[i]!;
      }
      p[i] = p[i]! - lr * g;
    }
    if (buf !== undefined) store.setState(name, 'momentum', tensor('float32', current.shape, buf));
  } else {
    const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = spec;
    const rate = spec.weightDecay ?? (spec.kind === 'adamw' ? 0.01 : 0);
    const m = slot(store, name, 'm');
    const v = slot(store, name, 'v');
    const weightDecay = { rate, decoupled: spec.kind === 'adamw' };
    adamStep(p, grad, { m, v }, { beta1, beta2, eps, weightDecay }, lr, step, rows === undefined ? undefined : active);
    store.setState(name, 'm', tensor('float32', current.shape, m));
    store.setState(name, 'v', tensor('float32', current.shape, v));
  }
  store.set(name, tensor('float32', current.shape, p));
}

/** A copy of a state slot (zeros when absent). */
function slot(store: ParameterStore, name: string, key: string): Float32Array {
  return store.stateSlots(name).includes(key)
    ? Float32Array.from(store.getState(name, key).data)
    : new Float32Array(store.get(name).data.length);
}

/**
 * Scales host-array gradients in place so their global L2 norm is at most `max`; returns the norm
 * before. The JavaScript twin of `@mneme/engine`'s graph-level `appendGlobalNormClip` (same
 * formula), for the gradients that {@link sparseUpdate} applies outside any optimizer graph.
 */
export function clipGlobalNormInPlace(grads: readonly Float32Array[], max: number | undefined): number {
  let sum = 0;
  for (const g of grads) for (const x of g) sum += x * x;
  const total = Math.sqrt(sum);
  if (max !== undefined && total > max) {
    const scale = max / (total + 1e-6);
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = g[i]! * scale;
  }
  return total;
}
