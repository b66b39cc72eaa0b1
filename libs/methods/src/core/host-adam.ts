/**
 * The one Adam of the strategies that runs in JavaScript on host arrays (PyTorch's Adam/AdamW
 * arithmetic). The graph-level Adam (`appendOptimizerUpdate` in `@mneme/engine`) must stay beside
 * it: that one is a set of ONNX nodes that runs inside ONNX Runtime's training session, while these
 * callers update parameters that live in JavaScript (prompt rows updated lazily, distilled samples
 * optimised between graph runs) and never enter an optimizer graph.
 */

/** Adam's hyper-parameters. */
export interface AdamHyper {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /**
   * Weight decay, if any: coupled (Adam's L2 term added to the gradient) or decoupled (AdamW's
   * shrink of the weight before the step). Absent: no decay term at all.
   */
  readonly weightDecay?: { readonly rate: number; readonly decoupled: boolean };
}

/** Adam's moment estimates, one entry per parameter value (float32 or float64 storage, kept as given). */
export interface AdamMoments {
  readonly m: Float32Array | Float64Array;
  readonly v: Float32Array | Float64Array;
}

/**
 * One Adam update of `param` in place against `grad` with step size `lr`; `step` is the 1-based
 * update number (bias correction). Moments are updated in place. With `active`, only indices it
 * accepts move (value and moments), as `torch.optim.SparseAdam` does.
 */
export function adamStep(
  param: Float32Array,
  grad: ArrayLike<number>,
  moments: AdamMoments,
  hyper: AdamHyper,
  lr: number,
  step: number,
  active?: (i: number) => boolean,
): void {
  const { beta1, beta2, eps, weightDecay } = hyper;
  const { m, v } = moments;
  const c1 = 1 - beta1 ** step;
  const c2 = 1 - beta2 ** step;
  for (let i = 0; i < param.length; i++) {
    if (active !== undefined && !active(i)) continue;
    let g = grad[i]!;
    if (weightDecay !== undefined) {
      if (weightDecay.decoupled) param[i] = param[i]! * (1 - lr * weightDecay.rate);
      else g += weightDecay.rate * param[i]!;
    }
    m[i] = beta1 * m[i]! + (1 - beta1) * g;
    v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
    param[i] = param[i]! - (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
  }
}

/** Adam (Kingma & Ba 2015) on one flat float32 array with its own float64 moments and step count: the distilled samples are small. */
export class AdamVector {
  private readonly moments: AdamMoments;
  private readonly hyper: AdamHyper;
  private t = 0;

  constructor(size: number, beta1 = 0.9, beta2 = 0.999, eps = 1e-8) {
    this.moments = { m: new Float64Array(size), v: new Float64Array(size) };
    this.hyper = { beta1, beta2, eps };
  }

  /** Moves `param` in place against `grad` with step size `lr`. */
  step(param: Float32Array, grad: ArrayLike<number>, lr: number): void {
    this.t++;
    adamStep(param, grad, this.moments, this.hyper, lr, this.t);
  }
}
