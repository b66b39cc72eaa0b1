/**
 * Stochastic gradient descent with optional momentum (dampening 0), Nesterov momentum and L2 weight
 * decay, as in PyTorch's `torch.optim.SGD`.
 */
export interface SgdSpec {
  /** Optimizer kind. */
  readonly kind: 'sgd';
  /** Momentum factor; 0 keeps no state. @default 0 */
  readonly momentum?: number;
  /** Use Nesterov momentum (needs momentum > 0). @default false */
  readonly nesterov?: boolean;
  /** L2 penalty added to the gradient (`g + wd·p`). @default 0 */
  readonly weightDecay?: number;
  /** Clip the global gradient norm to this value before the update. @default undefined (no clipping) */
  readonly clipGradNorm?: number | undefined;
}

/**
 * Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), as in PyTorch's `torch.optim.Adam`
 * and `AdamW`: `adam` adds weight decay to the gradient (coupled), `adamw` shrinks the weights
 * directly by `lr·wd` (decoupled). Bias correction uses the step count fed at run time.
 */
export interface AdamSpec {
  /** Optimizer kind. */
  readonly kind: 'adam' | 'adamw';
  /** Decay of the first-moment average. @default 0.9 */
  readonly beta1?: number;
  /** Decay of the second-moment average. @default 0.999 */
  readonly beta2?: number;
  /** Added to the denominator for stability. @default 1e-8 */
  readonly eps?: number;
  /** Weight decay: coupled for `adam`, decoupled for `adamw`. @default 0 for adam, 0.01 for adamw */
  readonly weightDecay?: number;
  /** Clip the global gradient norm to this value before the update. @default undefined (no clipping) */
  readonly clipGradNorm?: number | undefined;
}

/** An optimizer and its constant hyper-parameters (the learning rate and step are fed per run). */
export type OptimizerSpec = SgdSpec | AdamSpec;
