/** Gradient rules of reductions, softmax, log-softmax and layer normalisation. */
import { Attr, createTensor } from '@mneme/graph';
import type { GradContext, GradientRule } from '../grad-context.js';

const dy0 = (ctx: GradContext): string => ctx.dy(0) ?? ctx.fail('no cotangent for output 0');

/** The normalised (non-negative, sorted) axes a reduction node reduces over. */
export function reducedAxes(ctx: GradContext): number[] {
  const rank = ctx.type(ctx.input(0)).shape.length;
  const axesInput = ctx.input(1);
  let axes = axesInput !== '' ? ctx.requireConstant(axesInput, 'the axes input') : ctx.attrInts('axes');
  if (axes === undefined || axes.length === 0) {
    if (ctx.attrInt('noop_with_empty_axes', 0) === 1) return [];
    axes = [...Array(rank).keys()];
  }
  return [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort((p, q) => p - q);
}

/** A reduction's output (or cotangent) with the reduced axes kept as size 1, ready to broadcast. */
function keepDims(ctx: GradContext, value: string, axes: readonly number[]): string {
  if (ctx.attrInt('keepdims', 1) === 1 || axes.length === 0) return value;
  const shape = ctx.type(ctx.input(0)).shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return ctx.b.reshape(value, shape);
}

const expandToInput = (ctx: GradContext, value: string): string => ctx.b.expand(value, [...ctx.type(ctx.input(0)).shape]);

export const reduceSum: GradientRule = (ctx) => {
  const axes = reducedAxes(ctx);
  return [expandToInput(ctx, keepDims(ctx, dy0(ctx), axes))];
};

export const reduceMean: GradientRule = (ctx) => {
  const axes = reducedAxes(ctx);
  const shape = ctx.type(ctx.input(0)).shape;
  const count = axes.reduce((n, a) => n * shape[a]!, 1);
  const g = ctx.b.mul(keepDims(ctx, dy0(ctx), axes), ctx.scalar(1 / count, ctx.type(ctx.input(0)).dtype));
  return [expandToInput(ctx, g)];
};

// The cotangent is shared equally among the elements that attain the maximum.
export const reduceMax: GradientRule = (ctx) => {
  const { b } = ctx;
  const axes = reducedAxes(ctx);
  const x = ctx.input(0);
  const dt = ctx.type(x).dtype;
  const mask = b.cast(b.equal(x, keepDims(ctx, ctx.output(0), axes)), dt);
  const share = b.div(mask, b.reduceSum(mask, axes, true));
  return [b.mul(share, keepDims(ctx, dy0(ctx), axes))];
};

// d logsumexp(x) = softmax over the reduced axes.
export const reduceLogSumExp: GradientRule = (ctx) => {
  const { b } = ctx;
  const axes = reducedAxes(ctx);
  const x = ctx.input(0);
  return [b.mul(b.exp(b.sub(x, keepDims(ctx, ctx.output(0), axes))), keepDims(ctx, dy0(ctx), axes))];
};

const softmaxAxis = (ctx: GradContext): number => {
  const rank = ctx.type(ctx.input(0)).shape.length;
  const axis = ctx.attrInt('axis', -1);
  return axis < 0 ? axis + rank : axis;
};

// dx = y ⊙ (dy − Σ dy ⊙ y)
export const softmax: GradientRule = (ctx) => {
  const { b } = ctx;
  const y = ctx.output(0);
  const dy = dy0(ctx);
  return [b.mul(y, b.sub(dy, b.reduceSum(b.mul(dy, y), [softmaxAxis(ctx)], true)))];
};

// dx = dy − exp(y) ⊙ Σ dy
export const logSoftmax: GradientRule = (ctx) => {
  const { b } = ctx;
  const dy = dy0(ctx);
  return [b.sub(dy, b.mul(b.exp(ctx.output(0)), b.reduceSum(dy, [softmaxAxis(ctx)], true)))];
};

/**
 * LayerNormalization over axes [axis, rank). The statistics come from a recomputed
 * LayerNormalization node (one fused kernel) asking for its Mean and InvStdDev outputs; then with
 * x̂ = (x − μ)·r and g = dy ⊙ scale: dx = r·(g − mean(g) − x̂·mean(g ⊙ x̂)). Cotangents on the Mean
 * and InvStdDev outputs add μ' and r' terms, so this rule's own output can be differentiated again.
 */
export const layerNormalization: GradientRule = (ctx) => {
  const { b } = ctx;
  const [x, scale, bias] = [ctx.input(0), ctx.input(1), ctx.input(2)];
  const { shape, dtype } = ctx.type(x);
  const rank = shape.length;
  const axisAttr = ctx.attrInt('axis', -1);
  const first = axisAttr < 0 ? axisAttr + rank : axisAttr;
  const axes = [...Array(rank - first).keys()].map((i) => i + first);
  const count = axes.reduce((n, a) => n * shape[a]!, 1);
  const dy = ctx.dy(0);
  const [dMean, dInvStd] = [ctx.dy(1), ctx.dy(2)];
  // Reuse the node's own statistics when it exposes them; otherwise recompute them: in one fused
  // kernel for float32, from primitives otherwise (ONNX Runtime keeps float32 statistics only).
  let [mean, invStd] = [ctx.node.outputs[1] ?? '', ctx.node.outputs[2] ?? ''];
  if ((mean === '' || invStd === '') && dtype === 'float32') {
    const attrs = { axis: Attr.int(axisAttr), epsilon: Attr.float(ctx.attrFloat('epsilon', 1e-5)) };
    [, mean, invStd] = b.op('LayerNormalization', bias === '' ? [x, scale] : [x, scale, bias], attrs, { outputs: 3 }) as [
      string,
      string,
      string,
    ];
  } else if (mean === '' || invStd === '') {
    mean = b.reduceMean(x, axes, true);
    const c = b.sub(x, mean);
    invStd = b.op('Reciprocal', [b.sqrt(b.add(b.reduceMean(b.mul(c, c), axes, true), ctx.scalar(ctx.attrFloat('epsilon', 1e-5), dtype)))]);
  } else if (ctx.type(mean).dtype !== dtype) {
    [mean, invStd] = [b.cast(mean, dtype), b.cast(invStd, dtype)];
  }
  const centred = b.sub(x, mean);
  const xhat = b.mul(centred, invStd);
  const dScale = ctx.needs(1) && dy !== undefined ? ctx.unbroadcast(b.mul(dy, xhat), shape, ctx.type(scale).shape) : undefined;
  const dBias = bias !== '' && ctx.needs(2) && dy !== undefined ? ctx.unbroadcast(dy, shape, ctx.type(bias).shape) : undefined;
  let dx: string | undefined;
  if (ctx.needs(0)) {
    const terms: string[] = [];
    if (dy !== undefined) {
      const g = b.mul(dy, scale);
      terms.push(b.mul(invStd, b.sub(b.sub(g, b.reduceMean(g, axes, true)), b.mul(xhat, b.reduceMean(b.mul(g, xhat), axes, true)))));
    }
    // μ = mean(x): dμ/dx = 1/N.
    if (dMean !== undefined) terms.push(b.expand(b.mul(dMean, ctx.scalar(1 / count, dtype)), [...shape]));
    // r = (var + ε)^(−1/2): dr/dx = −r³ (x − μ) / N.
    if (dInvStd !== undefined) {
      const r3 = b.mul(b.mul(invStd, invStd), invStd);
      terms.push(b.mul(b.mul(dInvStd, b.mul(r3, ctx.scalar(-1 / count, dtype))), centred));
    }
    dx = terms.length === 0 ? undefined : terms.length === 1 ? terms[0] : b.op('Sum', terms);
  }
  return [dx, dScale, dBias];
};

/**
 * SoftmaxCrossEntropyLoss (scores [N, C, ...], labels [N, ...], optional class weights [C]):
 * d scores = (softmax(scores) − onehot(labels)) ⊙ per-sample weight ⊙ dy, scaled as the reduction
 * was (mean divides by the total weight of non-ignored samples). A cotangent on the optional
 * log-prob output adds the LogSoftmax gradient.
 */
export const softmaxCrossEntropyLoss: GradientRule = (ctx) => {
  const { b } = ctx;
  const [scores, labels, weights] = [ctx.input(0), ctx.input(1), ctx.input(2)];
  if (ctx.needs(2)) ctx.fail('gradients with respect to class weights are not supported');
  const { shape, dtype } = ctx.type(scores);
  const classes = shape[1]!;
  const reduction = ctx.attrString('reduction', 'mean');
  const ignore = ctx.node.attributes['ignore_index'] === undefined ? undefined : ctx.attrInt('ignore_index');
  const labelType = ctx.type(labels).dtype;

  // Per-sample weight: class weight (if any) times the not-ignored mask.
  let safeLabels = labels;
  let sampleWeight: string | undefined;
  if (ignore !== undefined) {
    const ignored = b.equal(labels, b.constant(createTensor(labelType, [], [ignore])));
    safeLabels = b.where(ignored, b.constant(createTensor(labelType, [], [0])), labels);
    sampleWeight = b.cast(b.op('Not', [ignored]), dtype);
  }
  if (weights !== '') {
    const w = b.gather(weights, safeLabels, 0);
    sampleWeight = sampleWeight === undefined ? w : b.mul(sampleWeight, w);
  }

  // One-hot as labels == class index (OneHot has no double kernel in ONNX Runtime's CPU provider).
  const classShape = shape.map((d, i) => (i === 1 ? d : 1));
  const classIndex = b.constant(createTensor(labelType, classShape, [...Array(classes).keys()]));
  const onehot = b.cast(b.equal(b.unsqueeze(safeLabels, [1]), classIndex), dtype);
  let perSample = ctx.dy(0);
  if (perSample !== undefined) {
    // Scale of each sample's gradient, shaped like labels.
    const labelShape = ctx.type(labels).shape;
    let scaleBy: string;
    if (reduction === 'none') scaleBy = perSample;
    else {
      const count = labelShape.reduce((n, d) => n * d, 1);
      const denominator =
        reduction === 'mean'
          ? sampleWeight === undefined
            ? ctx.scalar(count, dtype)
            : b.reduceSum(sampleWeight, undefined, false)
          : undefined;
      const total = denominator === undefined ? perSample : b.div(perSample, denominator);
      scaleBy = b.expand(total, [...labelShape]);
    }
    perSample = sampleWeight === undefined ? scaleBy : b.mul(scaleBy, sampleWeight);
  }
  let dScores: string | undefined;
  if (perSample !== undefined) {
    const probs = b.softmax(scores, 1);
    dScores = b.mul(b.sub(probs, onehot), b.unsqueeze(perSample, [1]));
  }
  const dLogProb = ctx.dy(1);
  if (dLogProb !== undefined) {
    const logProb = ctx.output(1);
    const extra = b.sub(dLogProb, b.mul(b.exp(logProb), b.reduceSum(dLogProb, [1], true)));
    dScores = dScores === undefined ? extra : b.add(dScores, extra);
  }
  return [dScores, undefined, undefined];
};
