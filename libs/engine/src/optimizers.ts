import { InvalidArgumentError } from '@mneme/errors';
import { type OptimizerSpec } from '@mneme/execution';
import { type GraphBuilder } from '@mneme/graph';

/** One parameter to update: its value, its gradient, and its state values, by slot. */
export interface OptimizerParam {
  /** Value name of the parameter in the builder. */
  readonly name: string;
  /** Value name of its gradient (same shape). */
  readonly grad: string;
  /** Value names of its optimizer state, one per slot of {@link optimizerStateSlots}. */
  readonly state: Readonly<Record<string, string>>;
}

/** Scalar values in the builder that drive the update, fed per run so schedules need no rebuild. */
export interface OptimizerScalars {
  /** float32 scalar: the learning rate of this step. */
  readonly lr: string;
  /** int64 scalar: the number of this update, counting from 1 (Adam's bias correction). */
  readonly step: string;
}

/** The values an update produces. */
export interface OptimizerUpdate {
  /** Parameter name → value name of the updated parameter. */
  readonly params: ReadonlyMap<string, string>;
  /** Parameter name → slot → value name of the updated state. */
  readonly state: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** float32 scalar: the global gradient norm before clipping (only when clipping). */
  readonly gradNorm: string | undefined;
}

/** Every hyper-parameter of a spec, defaults filled in. */
export type ResolvedOptimizerSpec =
  | {
      readonly kind: 'sgd';
      readonly momentum: number;
      readonly nesterov: boolean;
      readonly weightDecay: number;
      readonly clipGradNorm: number | undefined;
    }
  | {
      readonly kind: 'adam' | 'adamw';
      readonly beta1: number;
      readonly beta2: number;
      readonly eps: number;
      readonly weightDecay: number;
      readonly clipGradNorm: number | undefined;
    };

/**
 * Fills in defaults and checks every hyper-parameter.
 *
 * @throws InvalidArgumentError listing every bad hyper-parameter
 */
export function resolveOptimizerSpec(spec: OptimizerSpec): ResolvedOptimizerSpec {
  const problems: string[] = [];
  const check = (name: string, value: number, ok: (v: number) => boolean, range: string): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value))
      problems.push(`${spec.kind} ${name} must be ${range}, got ${String(value)}`);
    return value;
  };
  const clip = spec.clipGradNorm === undefined ? undefined : check('clipGradNorm', spec.clipGradNorm, (v) => v > 0, '> 0');
  let resolved: ResolvedOptimizerSpec;
  if (spec.kind === 'sgd') {
    const momentum = check('momentum', spec.momentum ?? 0, (v) => v >= 0 && v < 1, 'in [0, 1)');
    const nesterov = spec.nesterov ?? false;
    if (nesterov && momentum === 0) problems.push('sgd nesterov needs momentum > 0');
    resolved = {
      kind: 'sgd',
      momentum,
      nesterov,
      weightDecay: check('weightDecay', spec.weightDecay ?? 0, (v) => v >= 0, '≥ 0'),
      clipGradNorm: clip,
    };
  } else if (spec.kind === 'adam' || spec.kind === 'adamw') {
    resolved = {
      kind: spec.kind,
      beta1: check('beta1', spec.beta1 ?? 0.9, (v) => v >= 0 && v < 1, 'in [0, 1)'),
      beta2: check('beta2', spec.beta2 ?? 0.999, (v) => v >= 0 && v < 1, 'in [0, 1)'),
      eps: check('eps', spec.eps ?? 1e-8, (v) => v > 0, '> 0'),
      weightDecay: check('weightDecay', spec.weightDecay ?? (spec.kind === 'adamw' ? 0.01 : 0), (v) => v >= 0, '≥ 0'),
      clipGradNorm: clip,
    };
  } else {
    throw new InvalidArgumentError(`unknown optimizer kind '${String((spec as { kind: unknown }).kind)}'; use sgd, adam or adamw`);
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return resolved;
}

/** The state slots each parameter needs under `spec` (`momentum` for SGD with momentum; `m`, `v` for Adam). */
export function optimizerStateSlots(spec: OptimizerSpec): readonly string[] {
  const r = resolveOptimizerSpec(spec);
  if (r.kind === 'sgd') return r.momentum > 0 ? ['momentum'] : [];
  return ['m', 'v'];
}

/**
 * Appends the optimizer update for `params` to `b`, so forward, backward and update run as one
 * session. The one graph-level SGD/Adam/AdamW; `@mneme/methods`' `adamStep` is its host-array twin
 * for parameters that are updated in JavaScript and never enter an optimizer graph. All values are float32; `scalars.lr` and `scalars.step` are graph values (usually inputs).
 *
 * @throws InvalidArgumentError for a bad spec or a parameter missing a state slot
 */
export function appendOptimizerUpdate(
  b: GraphBuilder,
  spec: OptimizerSpec,
  scalars: OptimizerScalars,
  params: readonly OptimizerParam[],
): OptimizerUpdate {
  const r = resolveOptimizerSpec(spec);
  const slots = optimizerStateSlots(r);
  const missing = params.flatMap((p) =>
    slots.filter((s) => p.state[s] === undefined).map((s) => `parameter '${p.name}' has no '${s}' state value`),
  );
  if (missing.length > 0) throw new InvalidArgumentError(missing);

  const { grads, gradNorm } =
    r.clipGradNorm === undefined
      ? { grads: params.map((p) => p.grad), gradNorm: undefined }
      : appendGlobalNormClip(
          b,
          params.map((p) => p.grad),
          r.clipGradNorm,
        );
  const newParams = new Map<string, string>();
  const newState = new Map<string, Readonly<Record<string, string>>>();

  if (r.kind === 'sgd') {
    params.forEach((p, i) => {
      let g = grads[i]!;
      if (r.weightDecay > 0) g = b.add(g, b.mul(p.name, b.scalar(r.weightDecay)));
      let direction = g;
      if (r.momentum > 0) {
        const mom = b.scalar(r.momentum);
        const buf = b.add(b.mul(p.state['momentum']!, mom), g);
        newState.set(p.name, { momentum: buf });
        direction = r.nesterov ? b.add(g, b.mul(buf, mom)) : buf;
      } else {
        newState.set(p.name, {});
      }
      newParams.set(p.name, b.sub(p.name, b.mul(scalars.lr, direction)));
    });
    return { params: newParams, state: newState, gradNorm };
  }

  // Scalars shared by every parameter: bias corrections and the step size (PyTorch's formulation).
  const t = b.cast(scalars.step, 'float32');
  const one = b.scalar(1);
  const bc1 = b.sub(one, b.pow(b.scalar(r.beta1), t));
  const sqrtBc2 = b.sqrt(b.sub(one, b.pow(b.scalar(r.beta2), t)));
  const stepSize = b.div(scalars.lr, bc1);
  const beta1 = b.scalar(r.beta1);
  const beta2 = b.scalar(r.beta2);
  const oneMinusBeta1 = b.scalar(1 - r.beta1);
  const oneMinusBeta2 = b.scalar(1 - r.beta2);
  const eps = b.scalar(r.eps);
  const decoupled = r.kind === 'adamw' && r.weightDecay > 0 ? b.sub(one, b.mul(scalars.lr, b.scalar(r.weightDecay))) : undefined;
  params.forEach((p, i) => {
    let g = grads[i]!;
    if (r.kind === 'adam' && r.weightDecay > 0) g = b.add(g, b.mul(p.name, b.scalar(r.weightDecay)));
    const w = decoupled === undefined ? p.name : b.mul(p.name, decoupled);
    const m = b.add(b.mul(p.state['m']!, beta1), b.mul(g, oneMinusBeta1));
    const v = b.add(b.mul(p.state['v']!, beta2), b.mul(b.mul(g, g), oneMinusBeta2));
    const denom = b.add(b.div(b.sqrt(v), sqrtBc2), eps);
    newParams.set(p.name, b.sub(w, b.mul(stepSize, b.div(m, denom))));
    newState.set(p.name, { m, v });
  });
  return { params: newParams, state: newState, gradNorm };
}

/**
 * Scales every gradient by `min(1, maxNorm / (‖g‖ + 1e-6))`, where ‖g‖ is the norm over all of
 * them together (PyTorch's `clip_grad_norm_`). Returns the scaled gradients and the unclipped norm.
 * Graph nodes appended to `b`; `@mneme/methods`' `clipGlobalNormInPlace` is the host-array twin for
 * gradients updated in JavaScript.
 */
export function appendGlobalNormClip(b: GraphBuilder, grads: readonly string[], maxNorm: number): { grads: string[]; gradNorm: string } {
  if (grads.length === 0) return { grads: [], gradNorm: b.scalar(0) };
  const squares = grads.map((g) => b.reduceSum(b.mul(g, g), undefined, false));
  const total = b.sqrt(squares.length === 1 ? squares[0]! : b.op('Sum', squares));
  const coef = b.op('Min', [b.div(b.scalar(maxNorm), b.add(total, b.scalar(1e-6))), b.scalar(1)]);
  return { grads: grads.map((g) => b.mul(g, coef)), gradNorm: total };
}
