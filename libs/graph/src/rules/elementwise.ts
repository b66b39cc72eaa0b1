/** Rules for elementwise ops: unary maps, broadcasting binary/variadic ops, comparisons, Where, Clip. */
import { type DType, isFloatDType } from '@mneme/tensor';
import { type OpRule, type RuleContext, type TensorType } from '../rule-context.js';
import { broadcastMap, broadcastShapes } from '../shape-utils.js';

/** Output has the type of input 0; folds with `fn` when given. */
export function unary(fn?: (x: number) => number, allowed?: (dtype: DType) => boolean): OpRule {
  return {
    infer: (ctx) => {
      const x = ctx.input(0);
      if (allowed !== undefined && !allowed(x.dtype)) ctx.fail(`does not accept ${x.dtype} input`);
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    fold:
      fn === undefined
        ? undefined
        : (ctx) => {
            const x = ctx.constant(0);
            return x === undefined ? undefined : [x.map(fn)];
          },
  };
}

/** Fails unless all present inputs share one dtype. */
export function sameDtypes(ctx: RuleContext, types: readonly TensorType[]): DType {
  const dtype = types[0]!.dtype;
  for (const t of types) {
    if (t.dtype !== dtype) ctx.fail(`input dtypes differ: ${types.map((x) => x.dtype).join(', ')}`);
  }
  return dtype;
}

function presentInputs(ctx: RuleContext): TensorType[] {
  const types: TensorType[] = [];
  for (let i = 0; i < ctx.inputCount; i++) {
    const t = ctx.optionalInput(i);
    if (t !== undefined) types.push(t);
  }
  if (types.length === 0) ctx.fail('needs at least one input');
  return types;
}

function foldBroadcast(fn: (args: number[]) => number) {
  return (ctx: RuleContext, outputs: readonly TensorType[]): number[][] | undefined => {
    const inputs = [];
    for (let i = 0; i < ctx.inputCount; i++) {
      const t = ctx.optionalInput(i);
      const values = ctx.constant(i);
      if (t === undefined) continue;
      if (values === undefined) return undefined;
      inputs.push({ shape: t.shape, values });
    }
    return [broadcastMap(outputs[0]!.shape, inputs, fn)];
  };
}

/**
 * Broadcasting op over all inputs (binary or variadic). `result` picks the output dtype; inputs
 * must share one dtype unless `mixed` (Pow's exponent may differ).
 */
export function broadcasting(
  fn?: (args: number[], dtype: DType) => number,
  options: { result?: 'same' | 'bool'; mixed?: boolean; inputDtype?: (d: DType) => boolean } = {},
): OpRule {
  return {
    infer: (ctx) => {
      const types = presentInputs(ctx);
      const dtype = options.mixed === true ? types[0]!.dtype : sameDtypes(ctx, types);
      if (options.inputDtype !== undefined && !options.inputDtype(dtype)) ctx.fail(`does not accept ${dtype} inputs`);
      const shape = broadcastShapes(
        ctx,
        types.map((t) => t.shape),
      );
      return [{ dtype: options.result === 'bool' ? 'bool' : dtype, shape }];
    },
    fold:
      fn === undefined
        ? undefined
        : (ctx, outputs) => {
            const dtype = ctx.input(0).dtype;
            return foldBroadcast((args) => fn(args, dtype))(ctx, outputs);
          },
  };
}

const isInteger = (dtype: DType): boolean => !isFloatDType(dtype);

/**
 * Fold of a binary broadcasting op: broadcasting hands one element per input, and the shape rule
 * has already seen both inputs.
 */
export function binary(fn: (a: number, b: number, dtype: DType) => number): (args: number[], dtype: DType) => number {
  return (args, dtype) => fn(args[0]!, args[1]!, dtype);
}

/** Division with C semantics for integers (truncation), IEEE for floats. */
export function divide(a: number, b: number, dtype: DType): number {
  return isInteger(dtype) ? Math.trunc(a / b) : a / b;
}

/** ONNX Mod with fmod=0: the result has the sign of the divisor (integers). */
export function modulo(a: number, b: number, dtype: DType): number {
  if (!isInteger(dtype)) return a % b;
  const r = a % b;
  return r !== 0 && Math.sign(r) !== Math.sign(b) ? r + b : r;
}

/** Where(condition, X, Y): broadcast of all three, dtype of X. */
export const whereRule: OpRule = {
  infer: (ctx) => {
    const cond = ctx.input(0);
    const x = ctx.input(1);
    const y = ctx.input(2);
    if (cond.dtype !== 'bool') ctx.fail(`condition must be bool, got ${cond.dtype}`);
    const dtype = sameDtypes(ctx, [x, y]);
    return [{ dtype, shape: broadcastShapes(ctx, [cond.shape, x.shape, y.shape]) }];
  },
  fold: foldBroadcast(([c, x, y]) => (c !== 0 ? x! : y!)),
};

/** Clip(input, min?, max?): type of the input. */
export const clipRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    for (const i of [1, 2]) {
      const bound = ctx.optionalInput(i);
      if (bound !== undefined && bound.shape.length !== 0) ctx.fail('min and max must be scalars');
      if (bound !== undefined && bound.dtype !== x.dtype) ctx.fail('min and max must have the dtype of the input');
    }
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  fold: (ctx) => {
    const x = ctx.constant(0);
    if (x === undefined) return undefined;
    const lo = ctx.optionalInput(1) === undefined ? [-Infinity] : ctx.constant(1);
    const hi = ctx.optionalInput(2) === undefined ? [Infinity] : ctx.constant(2);
    if (lo === undefined || hi === undefined) return undefined;
    return [x.map((v) => Math.min(Math.max(v, lo[0]!), hi[0]!))];
  },
};

/** Dropout (inference): output like the input, optional bool mask of the same shape. */
export const dropoutRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    return [
      { dtype: x.dtype, shape: [...x.shape] },
      { dtype: 'bool', shape: [...x.shape] },
    ];
  },
};

/** Not: bool → bool. */
export const notRule: OpRule = unary(
  (x) => (x === 0 ? 1 : 0),
  (d) => d === 'bool',
);
