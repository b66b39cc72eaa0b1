/** Gradient rules of shape and indexing ops: reshapes, transpose, concat/split, slice/pad, gathers and scatters. */
import { Attr, createTensor, type Attributes } from '@mneme/graph';
import type { GradContext, GradientRule } from '../grad-context.js';

const dy0 = (ctx: GradContext): string => ctx.dy(0) ?? ctx.fail('no cotangent for output 0');
const normAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

/** Reshape, Flatten, Squeeze, Unsqueeze: only the shape changes, so reshape the cotangent back. */
export const reshapeBack: GradientRule = (ctx) => [ctx.b.reshape(dy0(ctx), [...ctx.type(ctx.input(0)).shape])];

export const transpose: GradientRule = (ctx) => {
  const rank = ctx.type(ctx.input(0)).shape.length;
  const perm = ctx.attrInts('perm') ?? [...Array(rank).keys()].reverse();
  const inverse = new Array<number>(rank);
  perm.forEach((p, i) => (inverse[p] = i));
  return [ctx.b.transpose(dy0(ctx), inverse)];
};

export const concat: GradientRule = (ctx) => {
  const rank = ctx.type(ctx.output(0)).shape.length;
  const axis = normAxis(ctx.attrInt('axis'), rank);
  let offset = 0;
  return ctx.node.inputs.map((x, i) => {
    const len = ctx.type(x).shape[axis]!;
    const start = offset;
    offset += len;
    return ctx.needs(i) ? ctx.b.slice(dy0(ctx), [start], [start + len], [axis]) : undefined;
  });
};

export const split: GradientRule = (ctx) => {
  const rank = ctx.type(ctx.input(0)).shape.length;
  const axis = normAxis(ctx.attrInt('axis', 0), rank);
  const parts = ctx.node.outputs.map((o, i) => ctx.dy(i) ?? ctx.zeros(ctx.type(o)));
  return [ctx.b.concat(parts, axis), undefined];
};

/** Per-axis [start, step, count] of a Slice node, resolved against the input shape. */
function sliceGeometry(ctx: GradContext): { start: number; step: number; count: number }[] {
  const shape = ctx.type(ctx.input(0)).shape;
  const rank = shape.length;
  const starts = ctx.requireConstant(ctx.input(1), 'Slice starts');
  const ends = ctx.requireConstant(ctx.input(2), 'Slice ends');
  const axes = ctx.input(3) !== '' ? ctx.requireConstant(ctx.input(3), 'Slice axes') : starts.map((_, i) => i);
  const steps = ctx.input(4) !== '' ? ctx.requireConstant(ctx.input(4), 'Slice steps') : starts.map(() => 1);
  const geometry = shape.map((d) => ({ start: 0, step: 1, count: d }));
  axes.forEach((rawAxis, i) => {
    const axis = normAxis(rawAxis, rank);
    const dim = shape[axis]!;
    const step = steps[i]!;
    let start = starts[i]!;
    let end = ends[i]!;
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
    }
    geometry[axis] = { start, step, count: Math.max(0, Math.ceil((end - start) / step)) };
  });
  return geometry;
}

/**
 * Slice: unit steps pad the cotangent back with zeros; other steps scatter it to the selected
 * positions (computed statically) of a flat zero tensor.
 */
export const slice: GradientRule = (ctx) => {
  const { b } = ctx;
  const shape = ctx.type(ctx.input(0)).shape;
  const geometry = sliceGeometry(ctx);
  const dy = dy0(ctx);
  if (geometry.every((g) => g.step === 1)) {
    const before = geometry.map((g) => g.start);
    const after = geometry.map((g, i) => shape[i]! - g.start - g.count);
    return [b.op('Pad', [dy, b.ints([...before, ...after])])];
  }
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
  let flat = [0];
  geometry.forEach((g, axis) => {
    const next: number[] = [];
    for (const base of flat) for (let k = 0; k < g.count; k++) next.push(base + (g.start + k * g.step) * strides[axis]!);
    flat = next;
  });
  const total = shape.reduce((p, d) => p * d, 1);
  const zeros = ctx.zeros({ dtype: ctx.type(dy).dtype, shape: [total] });
  const scattered = b.op('ScatterElements', [zeros, b.ints(flat), b.reshape(dy, [-1])], { axis: Attr.int(0) });
  return [b.reshape(scattered, [...shape])];
};

// Constant-mode Pad with non-negative pads: the cotangent is the interior slice.
export const pad: GradientRule = (ctx) => {
  const shape = ctx.type(ctx.input(0)).shape;
  if (ctx.attrString('mode', 'constant') !== 'constant') ctx.fail('only constant-mode Pad is differentiable');
  const pads = ctx.requireConstant(ctx.input(1), 'Pad pads');
  const axes =
    ctx.input(3) !== '' ? ctx.requireConstant(ctx.input(3), 'Pad axes').map((a) => normAxis(a, shape.length)) : shape.map((_, i) => i);
  if (pads.some((p) => p < 0)) ctx.fail('negative pads (cropping) are not differentiable here');
  const starts = axes.map((_, i) => pads[i]!);
  const ends = axes.map((a, i) => pads[i]! + shape[a]!);
  return [ctx.b.slice(dy0(ctx), starts, ends, axes), undefined, undefined, undefined];
};

export const tile: GradientRule = (ctx) => {
  const { b } = ctx;
  const shape = ctx.type(ctx.input(0)).shape;
  const repeats = ctx.requireConstant(ctx.input(1), 'Tile repeats');
  const interleaved = shape.flatMap((d, i) => [repeats[i]!, d]);
  const summed = b.reduceSum(
    b.reshape(dy0(ctx), interleaved),
    shape.map((_, i) => 2 * i),
    false,
  );
  return [b.reshape(summed, [...shape]), undefined];
};

/** Indices with negative entries wrapped to [0, dim). */
function wrapIndices(ctx: GradContext, indices: string, dim: number): string {
  const { b } = ctx;
  const t = ctx.type(indices).dtype;
  const zero = b.constant(createTensor(t, [], [0]));
  return b.where(b.op('Less', [indices, zero]), b.add(indices, b.constant(createTensor(t, [], [dim]))), indices);
}

/** Gather along `axis`: scatter-add the cotangent into zeros (axis moved to the front for ScatterND). */
export const gather: GradientRule = (ctx) => {
  const { b } = ctx;
  const data = ctx.input(0);
  const { shape, dtype } = ctx.type(data);
  const rank = shape.length;
  const axis = normAxis(ctx.attrInt('axis', 0), rank);
  const indexRank = ctx.type(ctx.input(1)).shape.length;
  let indices = wrapIndices(ctx, ctx.input(1), shape[axis]!);
  if (ctx.type(ctx.input(1)).dtype !== 'int64') indices = b.cast(indices, 'int64');
  const dy = dy0(ctx);
  const frontShape = [shape[axis]!, ...shape.slice(0, axis), ...shape.slice(axis + 1)];
  // dy has dims [pre (axis), idx (indexRank), post]; ScatterND wants [idx, pre, post].
  const updates =
    axis === 0
      ? dy
      : b.transpose(dy, [
          ...[...Array(indexRank).keys()].map((i) => axis + i),
          ...[...Array(axis).keys()],
          ...[...Array(rank - axis - 1).keys()].map((i) => axis + indexRank + i),
        ]);
  const scattered = b.op('ScatterND', [ctx.zeros({ dtype, shape: frontShape }), b.unsqueeze(indices, [-1]), updates], {
    reduction: Attr.string('add'),
  });
  if (axis === 0) return [scattered, undefined];
  const back = [...Array(rank).keys()].map((i) => (i < axis ? i + 1 : i === axis ? 0 : i));
  return [b.transpose(scattered, back), undefined];
};

export const gatherElements: GradientRule = (ctx) => {
  const { b } = ctx;
  const data = ctx.input(0);
  const axis = ctx.attrInt('axis', 0);
  const indices = wrapIndices(ctx, ctx.input(1), ctx.type(data).shape[normAxis(axis, ctx.type(data).shape.length)]!);
  const zeros = ctx.zeros(ctx.type(data));
  return [b.op('ScatterElements', [zeros, indices, dy0(ctx)], { axis: Attr.int(axis), reduction: Attr.string('add') }), undefined];
};

/** ScatterElements / ScatterND (reduction none or add). */
function scatterRule(gatherOp: 'GatherElements' | 'GatherND'): GradientRule {
  return (ctx) => {
    const { b } = ctx;
    const [, indices, updates] = [ctx.input(0), ctx.input(1), ctx.input(2)];
    const reduction = ctx.attrString('reduction', 'none');
    if (reduction !== 'none' && reduction !== 'add') ctx.fail(`reduction '${reduction}' is not differentiable`);
    const dy = dy0(ctx);
    const attrs: Attributes = gatherOp === 'GatherElements' ? { axis: Attr.int(ctx.attrInt('axis', 0)) } : {};
    const dData = !ctx.needs(0)
      ? undefined
      : reduction === 'add'
        ? dy
        : b.op(ctx.node.opType, [dy, indices, ctx.zeros(ctx.type(updates))], attrs);
    const dUpdates = ctx.needs(2) ? b.op(gatherOp, [dy, indices], attrs) : undefined;
    return [dData, undefined, dUpdates];
  };
}

export const scatterElements = scatterRule('GatherElements');
export const scatterND = scatterRule('GatherND');

export const gatherND: GradientRule = (ctx) => {
  if (ctx.attrInt('batch_dims', 0) !== 0) ctx.fail('GatherND with batch_dims > 0 is not differentiable here');
  const zeros = ctx.zeros(ctx.type(ctx.input(0)));
  return [ctx.b.op('ScatterND', [zeros, ctx.input(1), dy0(ctx)], { reduction: Attr.string('add') }), undefined];
};
