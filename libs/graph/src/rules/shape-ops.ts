/** Rules for ops that move elements around: Reshape, Flatten, Transpose, Concat, Split, Slice, Squeeze, Unsqueeze, Expand, Tile, Gather, GatherElements, ScatterND, OneHot. */
import { attrInt, attrInts } from '../attributes.js';
import { type OpRule, type RuleContext, type TensorType } from '../rule-context.js';
import { broadcastShapes, broadcastSource, gatherByIndex, normalizeAxes, normalizeAxis, stridesOf } from '../shape-utils.js';
import { elementCount } from '../tensor-value.js';
import { axisAttr, checkShapeValues, requireIndexType } from './values.js';

const passThrough = (ctx: RuleContext): (number[] | undefined)[] => [ctx.constant(0)];
const like = (x: TensorType, shape: number[]): TensorType[] => [{ dtype: x.dtype, shape }];

/** Reshape(data, shape): 0 copies the input dim (unless allowzero), -1 is inferred. */
export const reshapeRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    const target = ctx.requireConstant(1, 'the shape input');
    const allowZero = attrInt(ctx.node, 'allowzero', 0) !== 0;
    if (allowZero && target.includes(0) && target.includes(-1)) ctx.fail('allowzero=1 forbids 0 and -1 together');
    let inferred = -1;
    const out = target.map((v, i) => {
      if (v === 0 && !allowZero) {
        if (i >= x.shape.length) ctx.fail(`shape [${target.join(', ')}] copies dim ${i} of a rank-${x.shape.length} input`);
        return x.shape[i]!;
      }
      if (v === -1) {
        if (inferred >= 0) ctx.fail(`shape [${target.join(', ')}] has more than one -1`);
        inferred = i;
        return 1;
      }
      if (!Number.isInteger(v) || v < 0) ctx.fail(`shape [${target.join(', ')}] has invalid entry ${v}`);
      return v;
    });
    const total = elementCount(x.shape);
    const known = elementCount(out);
    if (inferred >= 0) {
      if (known === 0 || total % known !== 0) ctx.fail(`cannot reshape [${x.shape.join(', ')}] to [${target.join(', ')}]`);
      out[inferred] = total / known;
    } else if (known !== total) {
      ctx.fail(`cannot reshape [${x.shape.join(', ')}] (${total} elements) to [${out.join(', ')}] (${known})`);
    }
    return like(x, out);
  },
  fold: passThrough,
};

/** Flatten(input) at `axis` (default 1) into 2-D. */
export const flattenRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    const rank = x.shape.length;
    const raw = attrInt(ctx.node, 'axis', 1);
    // Flatten allows axis = rank, and a negative axis counts from the input rank, not rank + 1.
    if (!Number.isInteger(raw) || raw < -rank || raw > rank) ctx.fail(`axis ${raw} is out of range for rank ${rank}`);
    const axis = raw < 0 ? raw + rank : raw;
    return like(x, [elementCount(x.shape.slice(0, axis)), elementCount(x.shape.slice(axis))]);
  },
  fold: passThrough,
};

function permutation(ctx: RuleContext, rank: number): number[] {
  const perm = attrInts(ctx.node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== rank || sorted.some((p, i) => p !== i)) ctx.fail(`perm [${perm.join(', ')}] is not a permutation of rank ${rank}`);
  return [...perm];
}

/** Transpose(data) by `perm` (default: reverse the dims). */
export const transposeRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    const perm = permutation(ctx, x.shape.length);
    return like(
      x,
      perm.map((p) => x.shape[p]!),
    );
  },
  fold: (ctx, outputs) => {
    const values = ctx.constant(0);
    if (values === undefined) return undefined;
    const x = ctx.input(0);
    const perm = permutation(ctx, x.shape.length);
    const strides = stridesOf(x.shape);
    return [gatherByIndex(outputs[0]!.shape, values, (index) => index.reduce((s, v, d) => s + v * strides[perm[d]!]!, 0))];
  },
};

function concatInputs(ctx: RuleContext): TensorType[] {
  const inputs: TensorType[] = [];
  for (let i = 0; i < ctx.inputCount; i++) inputs.push(ctx.input(i));
  if (inputs.length === 0) ctx.fail('needs at least one input');
  return inputs;
}

/** Concat(inputs...) along `axis`. */
export const concatRule: OpRule = {
  infer: (ctx) => {
    const inputs = concatInputs(ctx);
    const first = inputs[0]!;
    const rank = first.shape.length;
    const axis = normalizeAxis(ctx, attrInt(ctx.node, 'axis'), rank);
    const out = [...first.shape];
    out[axis] = 0;
    for (const t of inputs) {
      if (t.dtype !== first.dtype) ctx.fail(`input dtypes differ (${first.dtype} and ${t.dtype})`);
      if (t.shape.length !== rank || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
        ctx.fail(`input shapes ${inputs.map((x) => `[${x.shape.join(', ')}]`).join(', ')} differ outside axis ${axis}`);
      }
      out[axis] += t.shape[axis]!;
    }
    return like(first, out);
  },
  fold: (ctx) => {
    const inputs = concatInputs(ctx);
    const values: number[][] = [];
    for (let i = 0; i < inputs.length; i++) {
      const v = ctx.constant(i);
      if (v === undefined) return undefined;
      values.push(v);
    }
    const axis = normalizeAxis(ctx, attrInt(ctx.node, 'axis'), inputs[0]!.shape.length);
    const outer = elementCount(inputs[0]!.shape.slice(0, axis));
    const out: number[] = [];
    for (let o = 0; o < outer; o++) {
      inputs.forEach((t, i) => {
        const chunk = elementCount(t.shape.slice(axis));
        out.push(...values[i]!.slice(o * chunk, (o + 1) * chunk));
      });
    }
    return [out];
  },
};

function splitSizes(ctx: RuleContext): { axis: number; sizes: number[] } {
  const x = ctx.input(0);
  const axis = axisAttr(ctx, x.shape.length, 0);
  const dim = x.shape[axis]!;
  let sizes: number[];
  if (ctx.optionalInput(1) !== undefined) {
    sizes = checkShapeValues(ctx, ctx.requireConstant(1, 'the split input'), 'split');
  } else {
    const numOutputs = ctx.opset >= 18 ? attrInt(ctx.node, 'num_outputs', ctx.outputCount) : ctx.outputCount;
    if (numOutputs < 1) ctx.fail('needs at least one output');
    // Opset 18 num_outputs rounds up and leaves a smaller last chunk; before that, splits must be even.
    if (ctx.opset < 18 && dim % numOutputs !== 0) ctx.fail(`cannot split dim ${dim} evenly into ${numOutputs} outputs`);
    const chunk = Math.ceil(dim / numOutputs);
    sizes = Array.from({ length: numOutputs }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
  }
  if (sizes.reduce((a, b) => a + b, 0) !== dim) ctx.fail(`split sizes [${sizes.join(', ')}] do not add up to dim ${dim}`);
  if (sizes.length !== ctx.outputCount) ctx.fail(`split gives ${sizes.length} parts for ${ctx.outputCount} outputs`);
  return { axis, sizes };
}

/** Split(input, split?) along `axis` into the node's outputs. */
export const splitRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    const { axis, sizes } = splitSizes(ctx);
    return sizes.map((size) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === axis ? size : d)) }));
  },
  fold: (ctx, outputs) => {
    const values = ctx.constant(0);
    if (values === undefined) return undefined;
    const x = ctx.input(0);
    const { axis, sizes } = splitSizes(ctx);
    const strides = stridesOf(x.shape);
    let offset = 0;
    return sizes.map((size, k) => {
      const start = offset;
      offset += size;
      return gatherByIndex(outputs[k]!.shape, values, (index) =>
        index.reduce((s, v, d) => s + (d === axis ? v + start : v) * strides[d]!, 0),
      );
    });
  },
};

interface SliceSpec {
  starts: number[];
  steps: number[];
  shape: number[];
}

function sliceSpec(ctx: RuleContext): SliceSpec {
  const x = ctx.input(0);
  const rank = x.shape.length;
  const starts = ctx.requireConstant(1, 'the starts input');
  const ends = ctx.requireConstant(2, 'the ends input');
  const axes =
    ctx.optionalInput(3) === undefined ? starts.map((_, i) => i) : normalizeAxes(ctx, ctx.requireConstant(3, 'the axes input'), rank);
  const steps = ctx.optionalInput(4) === undefined ? starts.map(() => 1) : ctx.requireConstant(4, 'the steps input');
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    ctx.fail('starts, ends, axes and steps must have the same length');
  }
  const spec: SliceSpec = { starts: new Array<number>(rank).fill(0), steps: new Array<number>(rank).fill(1), shape: [...x.shape] };
  axes.forEach((axis, i) => {
    const dim = x.shape[axis]!;
    const step = steps[i]!;
    if (step === 0) ctx.fail('steps must not be 0');
    let start = starts[i]!;
    let end = ends[i]!;
    start = start < 0 ? start + dim : start;
    end = end < 0 ? end + dim : end;
    // Clamping differs by direction: a negative step may stop just before index 0 (end = -1).
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
    }
    spec.starts[axis] = start;
    spec.steps[axis] = step;
    spec.shape[axis] = Math.max(0, Math.ceil((end - start) / step));
  });
  return spec;
}

/** Slice(data, starts, ends, axes?, steps?) with negative indices, clamping and negative steps. */
export const sliceRule: OpRule = {
  infer: (ctx) => like(ctx.input(0), sliceSpec(ctx).shape),
  fold: (ctx, outputs) => {
    const values = ctx.constant(0);
    if (values === undefined) return undefined;
    const spec = sliceSpec(ctx);
    const strides = stridesOf(ctx.input(0).shape);
    return [
      gatherByIndex(outputs[0]!.shape, values, (index) =>
        index.reduce((s, v, d) => s + (spec.starts[d]! + v * spec.steps[d]!) * strides[d]!, 0),
      ),
    ];
  },
};

/** Squeeze(data, axes?): drops the given size-1 dims, or all size-1 dims without axes. */
export const squeezeRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    const rank = x.shape.length;
    if (ctx.optionalInput(1) === undefined)
      return like(
        x,
        x.shape.filter((d) => d !== 1),
      );
    const axes = normalizeAxes(ctx, ctx.requireConstant(1, 'the axes input'), rank);
    for (const a of axes) if (x.shape[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
    return like(
      x,
      x.shape.filter((_, i) => !axes.includes(i)),
    );
  },
  fold: passThrough,
};

/** Unsqueeze(data, axes): inserts size-1 dims at `axes` of the output. */
export const unsqueezeRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    const raw = ctx.requireConstant(1, 'the axes input');
    const rank = x.shape.length + raw.length;
    const axes = normalizeAxes(ctx, raw, rank);
    const out: number[] = [];
    let next = 0;
    for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : x.shape[next++]!);
    return like(x, out);
  },
  fold: passThrough,
};

/** Expand(input, shape): bidirectional broadcast to `shape`. */
export const expandRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    const shape = checkShapeValues(ctx, ctx.requireConstant(1, 'the shape input'), 'shape');
    return like(x, broadcastShapes(ctx, [x.shape, shape]));
  },
  fold: (ctx, outputs) => {
    const values = ctx.constant(0);
    const shape = ctx.input(0).shape;
    return values === undefined ? undefined : [gatherByIndex(outputs[0]!.shape, values, (index) => broadcastSource(shape, index))];
  },
};

/** Tile(input, repeats). */
export const tileRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    const repeats = checkShapeValues(ctx, ctx.requireConstant(1, 'the repeats input'), 'repeats');
    if (repeats.length !== x.shape.length) ctx.fail(`repeats has ${repeats.length} entries for rank ${x.shape.length}`);
    return like(
      x,
      x.shape.map((d, i) => d * repeats[i]!),
    );
  },
  fold: (ctx, outputs) => {
    const values = ctx.constant(0);
    if (values === undefined) return undefined;
    const shape = ctx.input(0).shape;
    const strides = stridesOf(shape);
    return [gatherByIndex(outputs[0]!.shape, values, (index) => index.reduce((s, v, d) => s + (v % shape[d]!) * strides[d]!, 0))];
  },
};

/** Gather(data, indices) along `axis`: data[:axis] + indices.shape + data[axis+1:]. */
export const gatherRule: OpRule = {
  infer: (ctx) => {
    const data = ctx.input(0);
    const indices = ctx.input(1);
    requireIndexType(ctx, 1, 'indices');
    const axis = axisAttr(ctx, data.shape.length, 0);
    return like(data, [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)]);
  },
  fold: (ctx, outputs) => {
    const values = ctx.constant(0);
    const indexValues = ctx.constant(1);
    if (values === undefined || indexValues === undefined) return undefined;
    const data = ctx.input(0);
    const q = ctx.input(1).shape.length;
    const axis = axisAttr(ctx, data.shape.length, 0);
    const dim = data.shape[axis]!;
    const strides = stridesOf(data.shape);
    const indexStrides = stridesOf(ctx.input(1).shape);
    return [
      gatherByIndex(outputs[0]!.shape, values, (index) => {
        let at = 0;
        for (let k = 0; k < q; k++) at += index[axis + k]! * indexStrides[k]!;
        let i = indexValues[at]!;
        if (i < -dim || i >= dim) ctx.fail(`index ${i} is out of range for axis ${axis} of size ${dim}`);
        if (i < 0) i += dim;
        let s = i * strides[axis]!;
        for (let d = 0; d < axis; d++) s += index[d]! * strides[d]!;
        for (let d = axis + 1; d < data.shape.length; d++) s += index[d + q - 1]! * strides[d]!;
        return s;
      }),
    ];
  },
};

/** GatherElements(data, indices): shape of indices, dtype of data. */
export const gatherElementsRule: OpRule = {
  infer: (ctx) => {
    const data = ctx.input(0);
    const indices = ctx.input(1);
    requireIndexType(ctx, 1, 'indices');
    if (indices.shape.length !== data.shape.length) ctx.fail('data and indices must have the same rank');
    axisAttr(ctx, data.shape.length, 0);
    return like(data, [...indices.shape]);
  },
};

/** ScatterND(data, indices, updates): type of data. */
export const scatterNDRule: OpRule = {
  infer: (ctx) => {
    const data = ctx.input(0);
    requireIndexType(ctx, 1, 'indices');
    if (ctx.input(2).dtype !== data.dtype) ctx.fail('updates must have the dtype of data');
    return like(data, [...data.shape]);
  },
};

/** OneHot(indices, depth, values): inserts a `depth`-sized axis; dtype of values. */
export const oneHotRule: OpRule = {
  infer: (ctx) => {
    const indices = ctx.input(0);
    const depth = ctx.requireConstant(1, 'the depth input');
    const values = ctx.input(2);
    if (depth.length !== 1 || !(depth[0]! >= 1)) ctx.fail('depth must hold one positive number');
    if (values.shape.length !== 1 || values.shape[0] !== 2) ctx.fail('values must be [off_value, on_value]');
    const rank = indices.shape.length + 1;
    const axis = normalizeAxis(ctx, attrInt(ctx.node, 'axis', -1), rank);
    const out = [...indices.shape];
    out.splice(axis, 0, Math.trunc(depth[0]!));
    return [{ dtype: values.dtype, shape: out }];
  },
};

/** ScatterElements(data, indices, updates): type of data; indices and updates share a shape. */
export const scatterElementsRule: OpRule = {
  infer: (ctx) => {
    const data = ctx.input(0);
    requireIndexType(ctx, 1, 'indices');
    const [indices, updates] = [ctx.input(1), ctx.input(2)];
    if (updates.dtype !== data.dtype) ctx.fail('updates must have the dtype of data');
    if (indices.shape.join() !== updates.shape.join()) ctx.fail('indices and updates must have the same shape');
    if (indices.shape.length !== data.shape.length) ctx.fail('data and indices must have the same rank');
    axisAttr(ctx, data.shape.length, 0);
    return like(data, [...data.shape]);
  },
};

/** GatherND(data, indices) with batch_dims: indices[..., k] index the first k dims of data. */
export const gatherNDRule: OpRule = {
  infer: (ctx) => {
    const data = ctx.input(0);
    const indices = ctx.input(1);
    requireIndexType(ctx, 1, 'indices');
    const batchDims = attrInt(ctx.node, 'batch_dims', 0);
    const k = indices.shape.at(-1);
    if (k === undefined || k > data.shape.length - batchDims) ctx.fail('the last dim of indices must be at most rank(data) - batch_dims');
    return like(data, [...indices.shape.slice(0, -1), ...data.shape.slice(batchDims + k!)]);
  },
};

/** Pad(data, pads, constant_value?, axes?): each padded dim grows by its begin and end pads. */
export const padRule: OpRule = {
  infer: (ctx) => {
    const data = ctx.input(0);
    const rank = data.shape.length;
    const pads = ctx.requireConstant(1, 'the pads input');
    const axes =
      ctx.optionalInput(3) === undefined ? [...Array(rank).keys()] : normalizeAxes(ctx, ctx.requireConstant(3, 'the axes input'), rank);
    if (pads.length !== 2 * axes.length) ctx.fail(`pads must hold ${2 * axes.length} values (begin and end per axis), got ${pads.length}`);
    const shape = [...data.shape];
    axes.forEach((a, i) => {
      shape[a] = shape[a]! + pads[i]! + pads[i + axes.length]!;
      if (shape[a] < 0) ctx.fail(`pads make axis ${a} negative`);
    });
    return like(data, shape);
  },
};
