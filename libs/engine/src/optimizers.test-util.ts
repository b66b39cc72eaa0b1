import { type OptimizerSpec } from '@mneme/execution';
import { resolveOptimizerSpec } from './optimizers.js';

/** Plain-JS optimizer state: slot → values, per parameter. */
export type ReferenceState = Map<string, Record<string, Float64Array>>;

/**
 * One optimizer step in plain JavaScript (float64), written straight from the PyTorch docs of
 * SGD, Adam, AdamW and clip_grad_norm_; the reference the graph fragments are tested against.
 * Mutates `params` and `state`; returns the unclipped global gradient norm.
 */
export function referenceStep(
  spec: OptimizerSpec,
  params: Map<string, Float64Array>,
  grads: Map<string, Float64Array>,
  state: ReferenceState,
  lr: number,
  step: number,
): number {
  const r = resolveOptimizerSpec(spec);
  let norm = 0;
  for (const g of grads.values()) for (const x of g) norm += x * x;
  norm = Math.sqrt(norm);
  const clip = r.clipGradNorm === undefined ? 1 : Math.min(1, r.clipGradNorm / (norm + 1e-6));
  for (const [name, p] of params) {
    const g = Float64Array.from(grads.get(name)!, (x) => x * clip);
    const s = state.get(name) ?? {};
    state.set(name, s);
    if (r.kind === 'sgd') {
      for (let i = 0; i < p.length; i++) {
        let d = g[i]! + r.weightDecay * p[i]!;
        if (r.momentum > 0) {
          s['momentum'] ??= new Float64Array(p.length);
          const buf = r.momentum * s['momentum'][i]! + d;
          s['momentum'][i] = buf;
          d = r.nesterov ? d + r.momentum * buf : buf;
        }
        p[i] = p[i]! - lr * d;
      }
    } else {
      s['m'] ??= new Float64Array(p.length);
      s['v'] ??= new Float64Array(p.length);
      const bc1 = 1 - r.beta1 ** step;
      const bc2 = 1 - r.beta2 ** step;
      for (let i = 0; i < p.length; i++) {
        let gi = g[i]!;
        if (r.kind === 'adam') gi += r.weightDecay * p[i]!;
        else p[i] = p[i]! * (1 - lr * r.weightDecay);
        const m = (s['m'][i] = r.beta1 * s['m'][i]! + (1 - r.beta1) * gi);
        const v = (s['v'][i] = r.beta2 * s['v'][i]! + (1 - r.beta2) * gi * gi);
        const mHat = m / bc1;
        const vHat = v / bc2;
        p[i] = p[i]! - (lr * mHat) / (Math.sqrt(vHat) + r.eps);
      }
    }
  }
  return norm;
}
