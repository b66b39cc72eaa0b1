/** Rules for reductions (ReduceSum/Mean/Max/Min/Prod/LogSumExp, ArgMax, TopK) and Softmax/LogSoftmax. */
import { attrInt, attrInts } from '../attributes.js';
import { type OpRule, type RuleContext } from '../rule-context.js';
import { normalizeAxes, normalizeAxis, stridesOf } from '../shape-utils.js';
import { elementCount } from '../tensor-value.js';

/** Opset from which a reduction reads `axes` from its second input instead of an attribute. */
export const REDUCE_AXES_INPUT_SINCE: Readonly<Record<string, number>> = Object.freeze({
  ReduceSum: 13,
  ReduceMean: 18,
  ReduceMax: 18,
  ReduceMin: 18,
  ReduceProd: 18,
  ReduceLogSumExp: 18,
});

/** The reduced axes of a reduction node (normalised), or `undefined` for "none" (noop_with_empty_axes). */
function reducedAxes(ctx: RuleContext, rank: number): number[] | undefined {
  const since = REDUCE_AXES_INPUT_SINCE[ctx.node.opType] ?? 18;
  let axes: readonly number[];
  if (ctx.opset >= since) {
    axes = ctx.optionalInput(1) === undefined ? [] : ctx.requireConstant(1, 'the axes input');
  } else {
    if (ctx.optionalInput(1) !== undefined) ctx.fail(`takes axes as an attribute before opset ${since}, not as an input`);
    axes = attrInts(ctx.node, 'axes') ?? [];
  }
  if (axes.length === 0) {
    return attrInt(ctx.node, 'noop_with_empty_axes', 0) !== 0 ? undefined : Array.from({ length: rank }, (_, i) => i);
  }
  return normalizeAxes(ctx, axes, rank);
}

function reducedShape(ctx: RuleContext, shape: readonly number[], axes: readonly number[]): number[] {
  const keep = attrInt(ctx.node, 'keepdims', 1) !== 0;
  return keep ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** A reduction; `combine` folds it (sum, product, ...) when given. */
export function reduction(combine?: (values: number[]) => number): OpRule {
  return {
    infer: (ctx) => {
      const x = ctx.input(0);
      const axes = reducedAxes(ctx, x.shape.length);
      return [{ dtype: x.dtype, shape: axes === undefined ? [...x.shape] : reducedShape(ctx, x.shape, axes) }];
    },
    fold:
      combine === undefined
        ? undefined
        : (ctx, outputs) => {
            const values = ctx.constant(0);
            if (values === undefined) return undefined;
            const shape = ctx.input(0).shape;
            const axes = reducedAxes(ctx, shape.length);
            if (axes === undefined) return [values];
            const strides = stridesOf(shape);
            // Group input elements by their position with the reduced axes dropped.
            const keptStrides = stridesOf(shape.map((d, i) => (axes.includes(i) ? 1 : d)));
            const groups: number[][] = Array.from({ length: elementCount(outputs[0]!.shape) }, () => []);
            for (let flat = 0; flat < values.length; flat++) {
              let group = 0;
              for (let d = 0; d < shape.length; d++) {
                if (!axes.includes(d)) group += (Math.floor(flat / strides[d]!) % shape[d]!) * keptStrides[d]!;
              }
              groups[group]!.push(values[flat]!);
            }
            return [groups.map(combine)];
          },
  };
}

/** ArgMax(data) along `axis`: int64 indices. */
export const argMaxRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    const axis = normalizeAxis(ctx, attrInt(ctx.node, 'axis', 0), x.shape.length);
    return [{ dtype: 'int64', shape: reducedShape(ctx, x.shape, [axis]) }];
  },
};

/** TopK(x, K) along `axis` (default -1): the K values (type of x) and their int64 indices; K must be a constant. */
export const topKRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    const axis = normalizeAxis(ctx, attrInt(ctx.node, 'axis', -1), x.shape.length);
    const k = ctx.requireConstant(1, 'K');
    if (k.length !== 1 || !Number.isInteger(k[0]) || k[0]! < 0) ctx.fail(`K must hold one non-negative integer, got [${k.join(', ')}]`);
    if (k[0]! > x.shape[axis]!) ctx.fail(`K (${k[0]}) exceeds the ${x.shape[axis]} elements along axis ${axis}`);
    const shape = x.shape.map((d, i) => (i === axis ? k[0]! : d));
    return [
      { dtype: x.dtype, shape },
      { dtype: 'int64', shape: [...shape] },
    ];
  },
};

/** Softmax / LogSoftmax along `axis` (default -1): type of the input. */
export const softmaxRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    normalizeAxis(ctx, attrInt(ctx.node, 'axis', -1), x.shape.length);
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
};
