/** Rules for neural-network ops: Conv, ConvTranspose, pooling, LayerNormalization, SoftmaxCrossEntropyLoss. */
import { attrInt, attrInts, attrString } from '../attributes.js';
import { dtypeFromOnnxCode, onnxDTypeCode } from '../onnx-dtype.js';
import { type OpRule, type RuleContext, type TensorType } from '../rule-context.js';
import { normalizeAxis } from '../shape-utils.js';
import { sameDtypes } from './elementwise.js';

interface WindowAttrs {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Begin pads then end pads, as in ONNX `pads`. */
  pads: number[];
  autoPad: string;
}

function windowAttrs(ctx: RuleContext, spatial: number, kernel: readonly number[]): WindowAttrs {
  const node = ctx.node;
  const list = (name: string, fallback: number, length: number): number[] => {
    const value = attrInts(node, name) ?? new Array<number>(length).fill(fallback);
    if (value.length !== length) ctx.fail(`${name} has ${value.length} entries, expected ${length}`);
    return [...value];
  };
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (!['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'].includes(autoPad)) ctx.fail(`unknown auto_pad '${autoPad}'`);
  const win: WindowAttrs = {
    kernel: [...kernel],
    strides: list('strides', 1, spatial),
    dilations: list('dilations', 1, spatial),
    pads: list('pads', 0, 2 * spatial),
    autoPad,
  };
  if (win.strides.some((s) => s < 1) || win.dilations.some((d) => d < 1)) ctx.fail('strides and dilations must be ≥ 1');
  if (kernel.length !== spatial) ctx.fail(`kernel has ${kernel.length} dims for ${spatial} spatial dims`);
  return win;
}

/** Output spatial size of a sliding window (Conv and pooling). */
function windowOutput(ctx: RuleContext, input: number, i: number, win: WindowAttrs, ceilMode: boolean): number {
  const stride = win.strides[i]!;
  const effective = (win.kernel[i]! - 1) * win.dilations[i]! + 1;
  if (win.autoPad === 'SAME_UPPER' || win.autoPad === 'SAME_LOWER') return Math.ceil(input / stride);
  const padBegin = win.autoPad === 'VALID' ? 0 : win.pads[i]!;
  const padded = win.autoPad === 'VALID' ? input : input + padBegin + win.pads[i + win.kernel.length]!;
  if (padded < effective) ctx.fail(`window of extent ${effective} does not fit input extent ${padded} on spatial axis ${i}`);
  if (!ceilMode) return Math.floor((padded - effective) / stride) + 1;
  let out = Math.ceil((padded - effective) / stride) + 1;
  // A last window that would start inside the end padding only is dropped (ONNX/PyTorch ceil_mode).
  if ((out - 1) * stride >= input + padBegin) out -= 1;
  return out;
}

function spatialInput(ctx: RuleContext): TensorType {
  const x = ctx.input(0);
  if (x.shape.length < 3) ctx.fail(`input must be [N, C, spatial...], got [${x.shape.join(', ')}]`);
  return x;
}

/** Conv(X, W, B?): W is [M, C/group, k...]. */
export const convRule: OpRule = {
  infer: (ctx) => {
    const x = spatialInput(ctx);
    const w = ctx.input(1);
    const b = ctx.optionalInput(2);
    const dtype = sameDtypes(ctx, b === undefined ? [x, w] : [x, w, b]);
    const spatial = x.shape.length - 2;
    const group = attrInt(ctx.node, 'group', 1);
    if (w.shape.length !== x.shape.length) ctx.fail(`weight rank ${w.shape.length} differs from input rank ${x.shape.length}`);
    const m = w.shape[0]!;
    if (x.shape[1] !== w.shape[1]! * group) ctx.fail(`input has ${x.shape[1]} channels, weight expects ${w.shape[1]} × group ${group}`);
    if (m % group !== 0) ctx.fail(`output channels ${m} are not divisible by group ${group}`);
    if (b !== undefined && (b.shape.length !== 1 || b.shape[0] !== m)) ctx.fail(`bias must be [${m}]`);
    const kernel = attrInts(ctx.node, 'kernel_shape') ?? w.shape.slice(2);
    const win = windowAttrs(ctx, spatial, kernel);
    const out = x.shape.slice(2).map((d, i) => windowOutput(ctx, d, i, win, false));
    return [{ dtype, shape: [x.shape[0]!, m, ...out] }];
  },
};

/** ConvTranspose(X, W, B?): W is [C, M/group, k...]; honours output_shape and output_padding. */
export const convTransposeRule: OpRule = {
  infer: (ctx) => {
    const x = spatialInput(ctx);
    const w = ctx.input(1);
    const b = ctx.optionalInput(2);
    const dtype = sameDtypes(ctx, b === undefined ? [x, w] : [x, w, b]);
    const spatial = x.shape.length - 2;
    const group = attrInt(ctx.node, 'group', 1);
    if (w.shape.length !== x.shape.length) ctx.fail(`weight rank ${w.shape.length} differs from input rank ${x.shape.length}`);
    if (x.shape[1] !== w.shape[0]) ctx.fail(`input has ${x.shape[1]} channels, weight expects ${w.shape[0]}`);
    const m = w.shape[1]! * group;
    if (b !== undefined && (b.shape.length !== 1 || b.shape[0] !== m)) ctx.fail(`bias must be [${m}]`);
    const win = windowAttrs(ctx, spatial, attrInts(ctx.node, 'kernel_shape') ?? w.shape.slice(2));
    const outputPadding = attrInts(ctx.node, 'output_padding') ?? new Array<number>(spatial).fill(0);
    const outputShape = attrInts(ctx.node, 'output_shape');
    let out: number[];
    if (outputShape !== undefined) {
      out = [...outputShape.slice(-spatial)];
      if (out.length !== spatial) ctx.fail(`output_shape needs ${spatial} spatial dims`);
    } else {
      out = x.shape.slice(2).map((d, i) => {
        const stride = win.strides[i]!;
        if (win.autoPad === 'SAME_UPPER' || win.autoPad === 'SAME_LOWER') return d * stride;
        const effective = (win.kernel[i]! - 1) * win.dilations[i]! + 1;
        const pads = win.autoPad === 'VALID' ? 0 : win.pads[i]! + win.pads[i + spatial]!;
        return stride * (d - 1) + (outputPadding[i] ?? 0) + effective - pads;
      });
    }
    if (out.some((d) => d < 1)) ctx.fail(`output spatial shape [${out.join(', ')}] is empty`);
    return [{ dtype, shape: [x.shape[0]!, m, ...out] }];
  },
};

/** MaxPool / AveragePool: kernel_shape, strides, pads, dilations, ceil_mode; MaxPool may output int64 Indices. */
export const poolRule: OpRule = {
  infer: (ctx) => {
    const x = spatialInput(ctx);
    const kernel = attrInts(ctx.node, 'kernel_shape') ?? ctx.fail('needs the kernel_shape attribute');
    const win = windowAttrs(ctx, x.shape.length - 2, kernel);
    const ceilMode = attrInt(ctx.node, 'ceil_mode', 0) !== 0;
    const shape = [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map((d, i) => windowOutput(ctx, d, i, win, ceilMode))];
    return [
      { dtype: x.dtype, shape },
      { dtype: 'int64', shape: [...shape] },
    ];
  },
};

/** GlobalAveragePool / GlobalMaxPool: [N, C, 1, ...]. */
export const globalPoolRule: OpRule = {
  infer: (ctx) => {
    const x = spatialInput(ctx);
    return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)] }];
  },
};

/** LayerNormalization(X, Scale, B?) over axes [axis, rank); Mean and InvStdDev keep leading dims. */
export const layerNormRule: OpRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    const scale = ctx.input(1);
    const bias = ctx.optionalInput(2);
    const rank = x.shape.length;
    const axis = normalizeAxis(ctx, attrInt(ctx.node, 'axis', -1), rank);
    const normalized = x.shape.slice(axis);
    for (const [what, t] of [
      ['Scale', scale],
      ['B', bias],
    ] as const) {
      if (t === undefined) continue;
      if (t.dtype !== x.dtype) ctx.fail(`${what} must have the dtype of X`);
      // Scale and B broadcast to the normalised shape.
      const tail = normalized.slice(normalized.length - t.shape.length);
      if (t.shape.length > normalized.length || t.shape.some((d, i) => d !== 1 && d !== tail[i])) {
        ctx.fail(`${what} of shape [${t.shape.join(', ')}] does not broadcast to [${normalized.join(', ')}]`);
      }
    }
    const stashCode = attrInt(ctx.node, 'stash_type', onnxDTypeCode('float32'));
    const stash = dtypeFromOnnxCode(stashCode) ?? ctx.fail(`unsupported stash_type ${stashCode}`);
    const stats = x.shape.map((d, i) => (i < axis ? d : 1));
    return [
      { dtype: x.dtype, shape: [...x.shape] },
      { dtype: stash, shape: stats },
      { dtype: stash, shape: [...stats] },
    ];
  },
};

/** SoftmaxCrossEntropyLoss(scores [N, C, d...], labels [N, d...], weights? [C]) with mean/sum/none reduction. */
export const softmaxCrossEntropyRule: OpRule = {
  infer: (ctx) => {
    const scores = ctx.input(0);
    const labels = ctx.input(1);
    const weights = ctx.optionalInput(2);
    if (scores.shape.length < 2) ctx.fail('scores must be [N, C, ...]');
    if (labels.dtype !== 'int32' && labels.dtype !== 'int64') ctx.fail(`labels must be int32 or int64, got ${labels.dtype}`);
    const expected = [scores.shape[0]!, ...scores.shape.slice(2)];
    if (labels.shape.length !== expected.length || labels.shape.some((d, i) => d !== expected[i])) {
      ctx.fail(
        `labels of shape [${labels.shape.join(', ')}] do not match scores [${scores.shape.join(', ')}]; expected [${expected.join(', ')}]`,
      );
    }
    if (weights !== undefined) {
      if (weights.shape.length !== 1 || weights.shape[0] !== scores.shape[1]) ctx.fail(`weights must be [${scores.shape[1]}]`);
      if (weights.dtype !== scores.dtype) ctx.fail('weights must have the dtype of scores');
    }
    const reduction = attrString(ctx.node, 'reduction', 'mean');
    if (!['mean', 'sum', 'none'].includes(reduction)) ctx.fail(`unknown reduction '${reduction}'`);
    return [
      { dtype: scores.dtype, shape: reduction === 'none' ? expected : [] },
      { dtype: scores.dtype, shape: [...scores.shape] },
    ];
  },
};
