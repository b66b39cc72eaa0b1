/**
 * Shape rules of the ONNX Runtime contrib ops (domain `com.microsoft`) that mneme's forward-only
 * graphs use: the fused transformer kernels. Only the forms those graphs emit are typed; others fail
 * with a message naming what is unsupported.
 */
import { isFloatDType } from '@mneme/tensor';
import { attrInt } from '../attributes.js';
import { type OpRule, type RuleContext, type TensorType } from '../rule-context.js';

/** ONNX Runtime's contrib operator domain. */
export const MS_DOMAIN = 'com.microsoft';

const same = (t: TensorType): TensorType => ({ dtype: t.dtype, shape: [...t.shape] });

function floatInput(ctx: RuleContext, i: number, what: string): TensorType {
  const t = ctx.input(i);
  if (!isFloatDType(t.dtype)) ctx.fail(`${what} must be a float tensor`);
  return t;
}

function vectorOf(ctx: RuleContext, i: number, width: number, like: TensorType, what: string): void {
  const t = ctx.optionalInput(i);
  if (t === undefined) return;
  if (t.dtype !== like.dtype) ctx.fail(`${what} must have the dtype of the input`);
  if (t.shape.length !== 1 || t.shape[0] !== width) ctx.fail(`${what} must have shape [${width}], got [${t.shape.join(', ')}]`);
}

function headsOf(ctx: RuleContext, hidden: number): number {
  const heads = attrInt(ctx.node, 'num_heads', 0);
  if (heads <= 0 || hidden % heads !== 0) ctx.fail(`num_heads ${heads} must be positive and divide the hidden size ${hidden}`);
  return heads;
}

/** BiasGelu(A [..., n], B [n]) = Gelu(A + B), exact (erf-based). */
const biasGeluRule: OpRule = {
  infer: (ctx) => {
    const a = floatInput(ctx, 0, 'A');
    vectorOf(ctx, 1, a.shape.at(-1) ?? 0, a, 'B');
    return [same(a)];
  },
};

/** SkipLayerNormalization(input, skip, gamma, beta?, bias?) = LayerNorm(input + skip + bias) over the last axis. */
const skipLayerNormRule: OpRule = {
  infer: (ctx) => {
    const x = floatInput(ctx, 0, 'input');
    const skip = ctx.input(1);
    if (skip.dtype !== x.dtype || skip.shape.join() !== x.shape.join()) ctx.fail(`skip must match input [${x.shape.join(', ')}]`);
    const hidden = x.shape.at(-1) ?? 0;
    vectorOf(ctx, 2, hidden, x, 'gamma');
    vectorOf(ctx, 3, hidden, x, 'beta');
    vectorOf(ctx, 4, hidden, x, 'bias');
    const stats = { dtype: x.dtype, shape: [...x.shape.slice(0, -1), 1] };
    return [same(x), stats, { ...stats, shape: [...stats.shape] }, same(x)];
  },
};

function maskCheck(ctx: RuleContext, i: number, batch: number, keys: number): void {
  const m = ctx.optionalInput(i);
  if (m === undefined) return;
  const ok = m.shape.length === 2 ? m.shape[0] === batch && m.shape[1] === keys : m.shape.length === 1 && m.shape[0] === batch;
  if (!ok) ctx.fail(`only a [batch] or [batch, ${keys}] key mask is supported, got [${m.shape.join(', ')}]`);
}

/** Attention(input [b, s, in], weights [in, 3h], bias [3h], mask_index?) → [b, s, h]: self-attention with packed Q/K/V. */
const attentionRule: OpRule = {
  infer: (ctx) => {
    const x = floatInput(ctx, 0, 'input');
    const w = ctx.input(1);
    if (x.shape.length !== 3) ctx.fail(`input must be [batch, sequence, hidden], got [${x.shape.join(', ')}]`);
    const [batch, seq, width] = x.shape as [number, number, number];
    if (w.shape.length !== 2 || w.shape[0] !== width || w.shape[1]! % 3 !== 0)
      ctx.fail(`weights must be [${width}, 3·hidden], got [${w.shape.join(', ')}]`);
    const hidden = w.shape[1]! / 3;
    headsOf(ctx, hidden);
    vectorOf(ctx, 2, 3 * hidden, x, 'bias');
    maskCheck(ctx, 3, batch, seq);
    if (ctx.inputCount > 4 && ctx.node.inputs.slice(4).some((n) => n !== ''))
      ctx.fail('past state and attention bias inputs are not supported');
    if (ctx.outputCount > 1 && ctx.node.outputs.slice(1).some((n) => n !== '')) ctx.fail('the present output is not supported');
    return [{ dtype: x.dtype, shape: [batch, seq, hidden] }];
  },
};

/** MultiHeadAttention(query [b, s, h], key [b, l, h], value [b, l, hv], bias? [2h + hv], key_padding_mask?) → [b, s, hv]. */
const multiHeadAttentionRule: OpRule = {
  infer: (ctx) => {
    const q = floatInput(ctx, 0, 'query');
    const k = ctx.input(1);
    const v = ctx.input(2);
    if ([q, k, v].some((t) => t.shape.length !== 3)) ctx.fail('only [batch, sequence, hidden] query, key and value are supported');
    const [batch, seq, hidden] = q.shape as [number, number, number];
    if (k.shape[0] !== batch || k.shape[2] !== hidden || v.shape[0] !== batch || v.shape[1] !== k.shape[1])
      ctx.fail('query, key and value shapes disagree');
    headsOf(ctx, hidden);
    vectorOf(ctx, 3, 2 * hidden + v.shape[2]!, q, 'bias');
    maskCheck(ctx, 4, batch, k.shape[1]!);
    if (ctx.inputCount > 5 && ctx.node.inputs.slice(5).some((n) => n !== ''))
      ctx.fail('attention bias and past state inputs are not supported');
    if (ctx.outputCount > 1 && ctx.node.outputs.slice(1).some((n) => n !== '')) ctx.fail('present outputs are not supported');
    return [{ dtype: q.dtype, shape: [batch, seq, v.shape[2]!] }];
  },
};

/** Shape rules of the supported `com.microsoft` ops. */
export const CONTRIB_OP_RULES: Readonly<Record<string, OpRule>> = Object.freeze({
  Attention: attentionRule,
  MultiHeadAttention: multiHeadAttentionRule,
  SkipLayerNormalization: skipLayerNormRule,
  BiasGelu: biasGeluRule,
});
