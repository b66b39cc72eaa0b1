/** Gradient rules of convolutions and pooling. */
import { Attr, createTensor, type Attributes } from '@mneme/graph';
import type { GradContext, GradientRule } from '../grad-context.js';

const dy0 = (ctx: GradContext): string => ctx.dy(0) ?? ctx.fail('no cotangent for output 0');

/** Spatial geometry of a conv or pool node, with ONNX defaults filled in. */
interface Geometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[];
  group: number;
}

function geometry(ctx: GradContext, kernel: readonly number[]): Geometry {
  const n = kernel.length;
  const autoPad = ctx.attrString('auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET') ctx.fail(`auto_pad '${autoPad}' is not differentiable here; export with explicit pads`);
  return {
    kernel: [...kernel],
    strides: [...(ctx.attrInts('strides') ?? new Array<number>(n).fill(1))],
    dilations: [...(ctx.attrInts('dilations') ?? new Array<number>(n).fill(1))],
    pads: [...(ctx.attrInts('pads') ?? new Array<number>(2 * n).fill(0))],
    group: ctx.attrInt('group', 1),
  };
}

const convAttrs = (g: Pick<Geometry, 'strides' | 'dilations' | 'pads' | 'group'>, extra: Attributes = {}): Attributes => ({
  strides: Attr.ints(g.strides),
  dilations: Attr.ints(g.dilations),
  pads: Attr.ints(g.pads),
  group: Attr.int(g.group),
  ...extra,
});

/** output_padding that makes a transposed conv of `inner` (spatial) come out at `target`. */
function outputPadding(g: Geometry, inner: readonly number[], target: readonly number[]): number[] {
  const n = g.kernel.length;
  return target.map(
    (t, i) => t - ((inner[i]! - 1) * g.strides[i]! + (g.kernel[i]! - 1) * g.dilations[i]! + 1 - g.pads[i]! - g.pads[i + n]!),
  );
}

/** Moves axis 1 to the front (and back): [N, C, ...] <-> [C, N, ...]. */
const swap01 = (rank: number): number[] => [1, 0, ...[...Array(rank - 2).keys()].map((i) => i + 2)];

/**
 * Weight gradient of a group-1 correlation as a convolution with batch and channels swapped:
 * out[p, q, k] = Σ_{n,i} lhs[n, p, k·d + i·s − pad] · rhs[n, q, i], sliced to the kernel size.
 */
function correlate(ctx: GradContext, lhs: string, rhs: string, g: Geometry, rank: number): string {
  const { b } = ctx;
  const out = b.op('Conv', [b.transpose(lhs, swap01(rank)), b.transpose(rhs, swap01(rank))], {
    strides: Attr.ints(g.dilations),
    dilations: Attr.ints(g.strides),
    pads: Attr.ints(g.pads),
  });
  const n = g.kernel.length;
  return b.slice(
    out,
    new Array<number>(n).fill(0),
    g.kernel,
    [...Array(n).keys()].map((i) => i + 2),
  );
}

/** Runs `perGroup` on channel slices of each group and concatenates along `axis`. */
function byGroup(ctx: GradContext, groups: number, axis: number, perGroup: (g: number) => string): string {
  if (groups === 1) return perGroup(0);
  return ctx.b.concat([...Array(groups).keys()].map(perGroup), axis);
}

const channelSlice = (ctx: GradContext, x: string, group: number, groups: number): string => {
  const c = ctx.type(x).shape[1]! / groups;
  return ctx.b.slice(x, [group * c], [(group + 1) * c], [1]);
};

export const conv: GradientRule = (ctx) => {
  const { b } = ctx;
  const [x, w, bias] = [ctx.input(0), ctx.input(1), ctx.input(2)];
  const xShape = ctx.type(x).shape;
  const wShape = ctx.type(w).shape;
  const yShape = ctx.type(ctx.output(0)).shape;
  const rank = xShape.length;
  const g = geometry(ctx, wShape.slice(2));
  const dy = dy0(ctx);
  const dx = ctx.needs(0)
    ? b.op('ConvTranspose', [dy, w], convAttrs(g, { output_padding: Attr.ints(outputPadding(g, yShape.slice(2), xShape.slice(2))) }))
    : undefined;
  // dW[o, c, k] = Σ_{n,i} x[n, c, i·s + k·d − p] · dy[n, o, i]  → correlate(x, dy) is [C, O, k]; transpose to [O, C, k].
  const dw = ctx.needs(1)
    ? byGroup(ctx, g.group, 0, (gi) =>
        b.transpose(correlate(ctx, channelSlice(ctx, x, gi, g.group), channelSlice(ctx, dy, gi, g.group), g, rank), swap01(rank)),
      )
    : undefined;
  const db = bias !== '' && ctx.needs(2) ? b.reduceSum(dy, [0, ...[...Array(rank - 2).keys()].map((i) => i + 2)], false) : undefined;
  return [dx, dw, db];
};

export const convTranspose: GradientRule = (ctx) => {
  const { b } = ctx;
  if (ctx.attrInts('output_shape') !== undefined)
    ctx.fail('ConvTranspose with output_shape is not differentiable here; use pads and output_padding');
  const [x, w, bias] = [ctx.input(0), ctx.input(1), ctx.input(2)];
  const xShape = ctx.type(x).shape;
  const rank = xShape.length;
  const g = geometry(ctx, ctx.type(w).shape.slice(2));
  const dy = dy0(ctx);
  const dx = ctx.needs(0) ? b.op('Conv', [dy, w], convAttrs(g)) : undefined;
  // dW[c, o, k] = Σ_{n,i} dy[n, o, i·s + k·d − p] · x[n, c, i] → correlate(dy, x) is [O, C, k]; transpose to [C, O, k].
  const dw = ctx.needs(1)
    ? byGroup(ctx, g.group, 0, (gi) =>
        b.transpose(correlate(ctx, channelSlice(ctx, dy, gi, g.group), channelSlice(ctx, x, gi, g.group), g, rank), swap01(rank)),
      )
    : undefined;
  const db = bias !== '' && ctx.needs(2) ? b.reduceSum(dy, [0, ...[...Array(rank - 2).keys()].map((i) => i + 2)], false) : undefined;
  return [dx, dw, db];
};

/** MaxPool: recompute the argmax indices and scatter-add the cotangent there. */
export const maxPool: GradientRule = (ctx) => {
  const { b } = ctx;
  if (ctx.dy(1) !== undefined) ctx.fail('the Indices output has no gradient');
  const x = ctx.input(0);
  const { shape, dtype } = ctx.type(x);
  const total = shape.reduce((p, d) => p * d, 1);
  const [, indices] = b.op('MaxPool', [x], { ...ctx.node.attributes }, { outputs: 2 }) as [string, string];
  const flat = b.op('ScatterElements', [ctx.zeros({ dtype, shape: [total] }), b.reshape(indices, [-1]), b.reshape(dy0(ctx), [-1])], {
    axis: Attr.int(0),
    reduction: Attr.string('add'),
  });
  return [b.reshape(flat, [...shape])];
};

/** AveragePool: a depthwise transposed conv with a constant 1/|kernel| kernel. */
export const averagePool: GradientRule = (ctx) => {
  const { b } = ctx;
  const x = ctx.input(0);
  const { shape, dtype } = ctx.type(x);
  const kernel = ctx.attrInts('kernel_shape') ?? ctx.fail('kernel_shape is required');
  const g = { ...geometry(ctx, kernel), group: shape[1]! };
  if ((ctx.attrInts('dilations') ?? []).some((d) => d !== 1)) ctx.fail('dilated AveragePool is not differentiable here');
  if (ctx.attrInt('count_include_pad', 0) === 0 && g.pads.some((p) => p !== 0)) {
    ctx.fail('AveragePool with pads and count_include_pad = 0 is not differentiable here');
  }
  const size = kernel.reduce((p, k) => p * k, 1);
  const weights = b.constant(createTensor(dtype, [shape[1]!, 1, ...kernel], new Array<number>(shape[1]! * size).fill(1 / size)));
  const yShape = ctx.type(ctx.output(0)).shape;
  const attrs = convAttrs(g, { output_padding: Attr.ints(outputPadding(g, yShape.slice(2), shape.slice(2))) });
  return [b.op('ConvTranspose', [dy0(ctx), weights], attrs)];
};

export const globalAveragePool: GradientRule = (ctx) => {
  const { shape, dtype } = ctx.type(ctx.input(0));
  const count = shape.slice(2).reduce((p, d) => p * d, 1);
  return [ctx.b.mul(ctx.b.expand(dy0(ctx), [...shape]), ctx.scalar(1 / count, dtype))];
};
