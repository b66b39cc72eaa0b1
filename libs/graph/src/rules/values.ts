/** Rules for ops that create or describe values: Constant, ConstantOfShape, Range, Shape, Size, Cast, Identity. */
import { type DType } from '@mneme/tensor';
import { attrFloat, attrFloats, attrInt, attrInts, attrTensor } from '../attributes.js';
import { dtypeFromOnnxCode } from '../onnx-dtype.js';
import { type OpRule, type RuleContext } from '../rule-context.js';
import { normalizeAxis } from '../shape-utils.js';
import { elementCount, tensorToNumbers } from '../tensor-value.js';

/** Validates that a folded shape vector holds non-negative integers. */
export function checkShapeValues(ctx: RuleContext, values: readonly number[], what: string): number[] {
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0) ctx.fail(`${what} [${values.join(', ')}] must hold non-negative integers`);
  }
  return [...values];
}

function constantValue(ctx: RuleContext): { dtype: DType; dims: number[]; values: number[] } {
  const node = ctx.node;
  const tensor = attrTensor(node, 'value');
  if (tensor !== undefined) return { dtype: tensor.dtype, dims: [...tensor.shape], values: tensorToNumbers(tensor) };
  if (node.attributes['value_float'] !== undefined) return { dtype: 'float32', dims: [], values: [attrFloat(node, 'value_float')] };
  if (node.attributes['value_int'] !== undefined) return { dtype: 'int64', dims: [], values: [attrInt(node, 'value_int')] };
  const floats = attrFloats(node, 'value_floats');
  if (floats !== undefined) return { dtype: 'float32', dims: [floats.length], values: [...floats] };
  const ints = attrInts(node, 'value_ints');
  if (ints !== undefined) return { dtype: 'int64', dims: [ints.length], values: [...ints] };
  return ctx.fail('needs a value, value_float(s) or value_int(s) attribute (string and sparse values are not supported)');
}

/** Constant: type and elements from its value attribute. */
export const constantRule: OpRule = {
  infer: (ctx) => {
    const { dtype, dims } = constantValue(ctx);
    return [{ dtype, shape: dims }];
  },
  fold: (ctx) => [constantValue(ctx).values],
};

/** ConstantOfShape(shape): filled with the `value` attribute (float32 0 by default). */
export const constantOfShapeRule: OpRule = {
  infer: (ctx) => {
    const shape = checkShapeValues(ctx, ctx.requireConstant(0, 'the shape input'), 'shape');
    const value = attrTensor(ctx.node, 'value');
    if (value !== undefined && value.data.length !== 1) ctx.fail('value attribute must hold exactly one element');
    return [{ dtype: value?.dtype ?? 'float32', shape }];
  },
  fold: (_ctx, outputs) => {
    const value = attrTensor(_ctx.node, 'value');
    const fill = value === undefined ? 0 : tensorToNumbers(value)[0]!;
    return [new Array<number>(elementCount(outputs[0]!.shape)).fill(fill)];
  },
};

function rangeArgs(ctx: RuleContext): [number, number, number] {
  const names = ['start', 'limit', 'delta'];
  return [0, 1, 2].map((i) => {
    if (ctx.input(i).shape.length !== 0) ctx.fail(`${names[i]} must be a scalar`);
    return ctx.requireConstant(i, `the ${names[i]} input`)[0];
  }) as [number, number, number];
}

/** Range(start, limit, delta): 1-D of length max(ceil((limit - start) / delta), 0). */
export const rangeRule: OpRule = {
  infer: (ctx) => {
    const [start, limit, delta] = rangeArgs(ctx);
    if (delta === 0) ctx.fail('delta must not be 0');
    const dtype = ctx.input(0).dtype;
    if (ctx.input(1).dtype !== dtype || ctx.input(2).dtype !== dtype) ctx.fail('start, limit and delta must share one dtype');
    return [{ dtype, shape: [Math.max(Math.ceil((limit - start) / delta), 0)] }];
  },
  fold: (ctx, outputs) => {
    const [start, , delta] = rangeArgs(ctx);
    return [Array.from({ length: outputs[0]!.shape[0]! }, (_, i) => start + i * delta)];
  },
};

function shapeSlice(ctx: RuleContext): number[] {
  const shape = ctx.input(0).shape;
  const rank = shape.length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(attrInt(ctx.node, 'start', 0));
  const end = clamp(attrInt(ctx.node, 'end', rank));
  return shape.slice(start, Math.max(start, end));
}

/** Shape(data) with optional start/end: 1-D int64, always folded from the static input shape. */
export const shapeRule: OpRule = {
  infer: (ctx) => [{ dtype: 'int64', shape: [shapeSlice(ctx).length] }],
  fold: (ctx) => [shapeSlice(ctx)],
};

/** Size(data): int64 scalar element count. */
export const sizeRule: OpRule = {
  infer: () => [{ dtype: 'int64', shape: [] }],
  fold: (ctx) => [[elementCount(ctx.input(0).shape)]],
};

/** Identity: passes type and elements through. */
export const identityRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  fold: (ctx) => [ctx.constant(0)],
};

function castTarget(ctx: RuleContext, code: number): DType {
  return dtypeFromOnnxCode(code) ?? ctx.fail(`cannot cast to unsupported element type ${code}`);
}

/** Cast(input) to the `to` attribute's dtype; CastLike(input, target) to the target's dtype. */
export const castRule: OpRule = {
  infer: (ctx) => [{ dtype: castTarget(ctx, attrInt(ctx.node, 'to')), shape: [...ctx.input(0).shape] }],
  // Conversion to the target type (truncation, bool) is applied by the engine to every fold result.
  fold: (ctx) => [ctx.constant(0)],
};

/** CastLike(input, target_type). */
export const castLikeRule: OpRule = {
  infer: (ctx) => [{ dtype: ctx.input(1).dtype, shape: [...ctx.input(0).shape] }],
  fold: (ctx) => [ctx.constant(0)],
};

/** Fails unless input `i` is int32 or int64 (index-like inputs). */
export function requireIndexType(ctx: RuleContext, i: number, what: string): void {
  const t = ctx.input(i);
  if (t.dtype !== 'int64' && t.dtype !== 'int32') ctx.fail(`${what} must be int32 or int64, got ${t.dtype}`);
}

/** Normalised axis from an attribute. */
export function axisAttr(ctx: RuleContext, rank: number, fallback: number, name = 'axis'): number {
  return normalizeAxis(ctx, attrInt(ctx.node, name, fallback), rank, name);
}
