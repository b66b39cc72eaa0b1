/** Gradient rules of elementwise ops (broadcasting binaries, unary maths, activations). */
import { type DType } from '@mneme/tensor';
import type { GradContext, GradientRule } from '../grad-context.js';

/** Cotangent of output 0, which every rule here needs. */
const dy0 = (ctx: GradContext): string => ctx.dy(0) ?? ctx.fail('no cotangent for output 0');

/** `g` (shaped like the output) reduced to input `i`'s shape. */
const toInput = (ctx: GradContext, g: string, i: number): string =>
  ctx.unbroadcast(g, ctx.type(ctx.output(0)).shape, ctx.type(ctx.input(i)).shape);

const dtypeOfOut = (ctx: GradContext): DType => ctx.type(ctx.output(0)).dtype;

export const add: GradientRule = (ctx) => {
  const dy = dy0(ctx);
  return [ctx.needs(0) ? toInput(ctx, dy, 0) : undefined, ctx.needs(1) ? toInput(ctx, dy, 1) : undefined];
};

export const sub: GradientRule = (ctx) => {
  const dy = dy0(ctx);
  return [ctx.needs(0) ? toInput(ctx, dy, 0) : undefined, ctx.needs(1) ? toInput(ctx, ctx.b.neg(dy), 1) : undefined];
};

export const mul: GradientRule = (ctx) => {
  const { b } = ctx;
  const dy = dy0(ctx);
  return [
    ctx.needs(0) ? toInput(ctx, b.mul(dy, ctx.input(1)), 0) : undefined,
    ctx.needs(1) ? toInput(ctx, b.mul(dy, ctx.input(0)), 1) : undefined,
  ];
};

// y = a / b: da = dy / b, db = -dy * y / b.
export const div: GradientRule = (ctx) => {
  const { b } = ctx;
  const dy = dy0(ctx);
  const [, den] = [ctx.input(0), ctx.input(1)];
  return [
    ctx.needs(0) ? toInput(ctx, b.div(dy, den), 0) : undefined,
    ctx.needs(1) ? toInput(ctx, b.neg(b.div(b.mul(dy, ctx.output(0)), den)), 1) : undefined,
  ];
};

// y = a ^ e: da = dy * e * a^(e-1), de = dy * y * ln(a).
export const pow: GradientRule = (ctx) => {
  const { b } = ctx;
  const dy = dy0(ctx);
  const [base, exponent] = [ctx.input(0), ctx.input(1)];
  const dt = dtypeOfOut(ctx);
  const e = ctx.type(exponent).dtype === dt ? exponent : b.cast(exponent, dt);
  const da = ctx.needs(0) ? toInput(ctx, b.mul(dy, b.mul(e, b.pow(base, b.sub(e, ctx.scalar(1, dt))))), 0) : undefined;
  const de = ctx.needs(1) ? toInput(ctx, b.mul(dy, b.mul(ctx.output(0), b.log(base))), 1) : undefined;
  return [da, de];
};

export const neg: GradientRule = (ctx) => [ctx.b.neg(dy0(ctx))];

/** Ops whose output equals (a copy of) input 0. */
export const passThrough: GradientRule = (ctx) => [dy0(ctx)];

export const sum: GradientRule = (ctx) => ctx.node.inputs.map((_, i) => (ctx.needs(i) ? toInput(ctx, dy0(ctx), i) : undefined));

export const where: GradientRule = (ctx) => {
  const { b } = ctx;
  const dy = dy0(ctx);
  const zero = ctx.scalar(0, dtypeOfOut(ctx));
  const cond = ctx.input(0);
  return [
    undefined,
    ctx.needs(1) ? toInput(ctx, b.where(cond, dy, zero), 1) : undefined,
    ctx.needs(2) ? toInput(ctx, b.where(cond, zero, dy), 2) : undefined,
  ];
};

export const expand: GradientRule = (ctx) => [toInput(ctx, dy0(ctx), 0)];

// Cast between float types: cast the cotangent back. Casts to or from integers carry no gradient.
export const cast: GradientRule = (ctx) => {
  const from = ctx.type(ctx.input(0)).dtype;
  const to = dtypeOfOut(ctx);
  const floats = new Set<DType>(['float32', 'float64', 'float16']);
  if (!floats.has(from) || !floats.has(to)) return [undefined];
  const dy = dy0(ctx);
  return [from === to ? dy : ctx.b.cast(dy, from)];
};

export const relu: GradientRule = (ctx) => {
  const { b } = ctx;
  const zero = ctx.scalar(0, dtypeOfOut(ctx));
  return [b.where(b.op('Greater', [ctx.input(0), zero]), dy0(ctx), zero)];
};

export const leakyRelu: GradientRule = (ctx) => {
  const { b } = ctx;
  const dt = dtypeOfOut(ctx);
  const slope = b.where(
    b.op('Greater', [ctx.input(0), ctx.scalar(0, dt)]),
    ctx.scalar(1, dt),
    ctx.scalar(ctx.attrFloat('alpha', 0.01), dt),
  );
  return [b.mul(dy0(ctx), slope)];
};

// dy * y * (1 - y)
export const sigmoid: GradientRule = (ctx) => {
  const { b } = ctx;
  const y = ctx.output(0);
  return [b.mul(dy0(ctx), b.mul(y, b.sub(ctx.scalar(1, dtypeOfOut(ctx)), y)))];
};

// dy * (1 - y^2)
export const tanh: GradientRule = (ctx) => {
  const { b } = ctx;
  const y = ctx.output(0);
  return [b.mul(dy0(ctx), b.sub(ctx.scalar(1, dtypeOfOut(ctx)), b.mul(y, y)))];
};

export const exp: GradientRule = (ctx) => [ctx.b.mul(dy0(ctx), ctx.output(0))];

export const log: GradientRule = (ctx) => [ctx.b.div(dy0(ctx), ctx.input(0))];

// dy / (2 sqrt(x))
export const sqrt: GradientRule = (ctx) => [ctx.b.div(ctx.b.mul(dy0(ctx), ctx.scalar(0.5, dtypeOfOut(ctx))), ctx.output(0))];

// d(1/x) = -dy * y^2
export const reciprocal: GradientRule = (ctx) => {
  const { b } = ctx;
  const y = ctx.output(0);
  return [b.neg(b.mul(dy0(ctx), b.mul(y, y)))];
};

export const abs: GradientRule = (ctx) => [ctx.b.mul(dy0(ctx), ctx.b.op('Sign', [ctx.input(0)]))];

// d erf(x) = 2/sqrt(pi) * exp(-x^2)
export const erf: GradientRule = (ctx) => {
  const { b } = ctx;
  const x = ctx.input(0);
  const dt = dtypeOfOut(ctx);
  return [b.mul(dy0(ctx), b.mul(ctx.scalar(2 / Math.sqrt(Math.PI), dt), b.exp(b.neg(b.mul(x, x)))))];
};

// Exact GELU: d/dx [x Φ(x)] = Φ(x) + x φ(x); tanh approximation differentiated as written.
export const gelu: GradientRule = (ctx) => {
  const { b } = ctx;
  const x = ctx.input(0);
  const dt = dtypeOfOut(ctx);
  const c = (v: number) => ctx.scalar(v, dt);
  if (ctx.attrString('approximate', 'none') === 'tanh') {
    // y = 0.5 x (1 + tanh(u)), u = k (x + 0.044715 x^3)
    const k = Math.sqrt(2 / Math.PI);
    const x2 = b.mul(x, x);
    const u = b.mul(c(k), b.add(x, b.mul(c(0.044715), b.mul(x2, x))));
    const t = b.tanh(u);
    const du = b.mul(c(k), b.add(c(1), b.mul(c(3 * 0.044715), x2)));
    const sech2 = b.sub(c(1), b.mul(t, t));
    const grad = b.add(b.mul(c(0.5), b.add(c(1), t)), b.mul(b.mul(c(0.5), x), b.mul(sech2, du)));
    return [b.mul(dy0(ctx), grad)];
  }
  const cdf = b.mul(c(0.5), b.add(c(1), b.op('Erf', [b.mul(x, c(Math.SQRT1_2))])));
  const pdf = b.mul(c(1 / Math.sqrt(2 * Math.PI)), b.exp(b.mul(c(-0.5), b.mul(x, x))));
  return [b.mul(dy0(ctx), b.add(cdf, b.mul(x, pdf)))];
};

// Gradient flows where min <= x <= max (bounds themselves get none).
export const clip: GradientRule = (ctx) => {
  const { b } = ctx;
  const x = ctx.input(0);
  const dt = dtypeOfOut(ctx);
  const zero = ctx.scalar(0, dt);
  let g = dy0(ctx);
  const [lo, hi] = [ctx.input(1), ctx.input(2)];
  if (hi !== '') g = b.where(b.op('Greater', [x, hi]), zero, g);
  if (lo !== '') g = b.where(b.op('Less', [x, lo]), zero, g);
  return [g];
};

// Min/Max of two or more inputs: the cotangent goes to the input that was selected (ties: all).
export const minMax: GradientRule = (ctx) => {
  const { b } = ctx;
  const y = ctx.output(0);
  const zero = ctx.scalar(0, dtypeOfOut(ctx));
  return ctx.node.inputs.map((x, i) => (ctx.needs(i) ? toInput(ctx, b.where(b.equal(x, y), dy0(ctx), zero), i) : undefined));
};

/** Dropout in inference mode is the identity on its first output; `ratio`/`training_mode` get none. */
export const dropout: GradientRule = (ctx) => {
  const training = ctx.input(2);
  if (training !== '') {
    const mode = ctx.constant(training);
    if (mode === undefined || mode[0] !== 0) ctx.fail('only inference-mode Dropout (training_mode = false) is differentiable');
  }
  return [dy0(ctx)];
};
