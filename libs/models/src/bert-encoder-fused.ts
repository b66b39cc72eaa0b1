/**
 * The forward-only encoder graph: the same computation as `buildBertEncoder`, written with ONNX
 * Runtime's fused contrib kernels (domain `com.microsoft`) where they measured faster on CPU. The
 * autodiff has no rules for these ops, so gradient and training graphs keep `buildBertEncoder`.
 */
import { type Tensor } from '@mneme/tensor';
import { Attr, createTensor, GraphBuilder, MS_DOMAIN, type Model } from '@mneme/graph';
import { type BertConfig } from './bert-config.js';
import {
  appendEncoderOutputs,
  bertParameterShapes,
  checkedBertWeights,
  ENCODER_IO,
  type BertGraphOptions,
  type BertWeights,
} from './bert-encoder.js';

/** Which fused kernels the forward-only encoder uses (each measured separately; see the bench). */
export interface BertFusions {
  /**
   * `attention`: one com.microsoft Attention per layer (packed Q/K/V projection + scaled dot-product
   * + mask); `multi-head`: Q/K/V MatMuls + com.microsoft MultiHeadAttention; `none`: standard ops.
   * @default 'attention'
   */
  attention?: 'attention' | 'multi-head' | 'none';
  /** com.microsoft BiasGelu (exact, erf-based) for the FFN activation. @default true */
  biasGelu?: boolean;
  /** com.microsoft SkipLayerNormalization for residual + LayerNorm (ORT fuses the plain pattern too). @default true */
  skipLayerNorm?: boolean;
}

/** Options of {@link buildBertEncoderFused}. */
export interface FusedBertGraphOptions extends BertGraphOptions {
  fusions?: BertFusions;
}

/** Float32 tensors side by side along their last axis: [h, a] + [h, b] → [h, a+b], [a] + [b] → [a+b]. */
function concatLastAxis(parts: readonly Tensor[]): Tensor {
  const lead = parts[0]!.shape.slice(0, -1);
  const rows = lead.reduce((p, d) => p * d, 1);
  const widths = parts.map((p) => p.shape.at(-1)!);
  const total = widths.reduce((a, w) => a + w, 0);
  const out = new Float32Array(rows * total);
  for (let r = 0; r < rows; r++) {
    let offset = r * total;
    parts.forEach((p, i) => {
      out.set((p.data as Float32Array).subarray(r * widths[i]!, (r + 1) * widths[i]!), offset);
      offset += widths[i]!;
    });
  }
  return createTensor('float32', [...lead, total], out);
}

/**
 * The encoder entry point for inference (`inputs_embeds` + `attention_mask` → `last_hidden_state`,
 * `cls`, `mean_pooled`), numerically the same model as `buildBertEncoder` up to float rounding.
 * Its initializers keep the Hugging Face names except the packed `*.attention.self.qkv.{weight,bias}`
 * of the `attention` fusion, so it is built from weights, not from a parameter store.
 */
export function buildBertEncoderFused(c: BertConfig, weights: BertWeights, options: FusedBertGraphOptions = {}): Model {
  const names = [...bertParameterShapes(c).keys()].filter((n) => n.startsWith('encoder.'));
  checkedBertWeights(c, weights, names);
  const fusions = { attention: 'attention', biasGelu: true, skipLayerNorm: true, ...options.fusions } as Required<BertFusions>;
  const [batch, seq] = [options.batch ?? 'batch', options.sequence ?? 'sequence'];
  const h = c.hiddenSize;
  const heads = c.numAttentionHeads;
  const headDim = h / heads;
  const b = new GraphBuilder({ name: 'bert-encoder-fused' });
  const ms = { domain: MS_DOMAIN };
  const used = (n: string) => b.initializer(n, weights.get(n)!);
  const f = (v: number) => b.scalar(v, 'float32');
  const x0 = b.input(ENCODER_IO.inputsEmbeds, 'float32', [batch, seq, h]);
  const mask = b.input(ENCODER_IO.attentionMask, 'int64', [batch, seq]);
  const maskF = b.cast(mask, 'float32');
  const maskI = fusions.attention === 'none' ? '' : b.cast(mask, 'int32');
  const additiveBias = fusions.attention === 'none' ? b.mul(b.sub(f(1), b.unsqueeze(maskF, [1, 2])), f(-3.4028234663852886e38)) : '';
  const linear = (x: string, name: string) => b.add(b.matMul(x, used(`${name}.weight`)), used(`${name}.bias`));
  // residual + (x·W + bias), then LayerNorm.
  const addNorm = (x: string, dense: string, residual: string, norm: string): string => {
    if (fusions.skipLayerNorm) {
      return b.op(
        'SkipLayerNormalization',
        [b.matMul(x, used(`${dense}.weight`)), residual, used(`${norm}.weight`), used(`${norm}.bias`), used(`${dense}.bias`)],
        { epsilon: Attr.float(c.layerNormEps) },
        ms,
      );
    }
    return b.op('LayerNormalization', [b.add(linear(x, dense), residual), used(`${norm}.weight`), used(`${norm}.bias`)], {
      axis: Attr.int(-1),
      epsilon: Attr.float(c.layerNormEps),
    });
  };
  const attend = (x: string, p: string): string => {
    const self = `${p}.attention.self`;
    const numHeads = { num_heads: Attr.int(heads) };
    if (fusions.attention === 'attention') {
      const part = (kind: 'weight' | 'bias') => concatLastAxis(['query', 'key', 'value'].map((m) => weights.get(`${self}.${m}.${kind}`)!));
      const w = b.initializer(`${self}.qkv.weight`, part('weight'));
      const bias = b.initializer(`${self}.qkv.bias`, part('bias'));
      return b.op('Attention', [x, w, bias, maskI], numHeads, ms);
    }
    if (fusions.attention === 'multi-head') {
      const proj = (m: string) => b.matMul(x, used(`${self}.${m}.weight`));
      const bias = b.initializer(
        `${self}.qkv.bias`,
        concatLastAxis(['query', 'key', 'value'].map((m) => weights.get(`${self}.${m}.bias`)!)),
      );
      return b.op('MultiHeadAttention', [proj('query'), proj('key'), proj('value'), bias, maskI], numHeads, ms);
    }
    const splitHeads = (v: string, perm: number[]) => b.transpose(b.reshape(v, [0, 0, heads, headDim]), perm);
    const q = splitHeads(linear(x, `${self}.query`), [0, 2, 1, 3]);
    const k = splitHeads(linear(x, `${self}.key`), [0, 2, 3, 1]);
    const v = splitHeads(linear(x, `${self}.value`), [0, 2, 1, 3]);
    const scores = b.add(b.mul(b.matMul(q, k), f(1 / Math.sqrt(headDim))), additiveBias);
    return b.reshape(b.transpose(b.matMul(b.softmax(scores, -1), v), [0, 2, 1, 3]), [0, 0, h]);
  };
  const gelu = (x: string, name: string): string => {
    if (fusions.biasGelu) return b.op('BiasGelu', [b.matMul(x, used(`${name}.weight`)), used(`${name}.bias`)], {}, ms);
    const inner = linear(x, name);
    return b.mul(b.mul(inner, f(0.5)), b.add(f(1), b.op('Erf', [b.mul(inner, f(Math.SQRT1_2))])));
  };

  let x = x0;
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `encoder.layer.${i}`;
    const attended = addNorm(attend(x, p), `${p}.attention.output.dense`, x, `${p}.attention.output.LayerNorm`);
    x = addNorm(gelu(attended, `${p}.intermediate.dense`), `${p}.output.dense`, attended, `${p}.output.LayerNorm`);
  }
  appendEncoderOutputs(b, x, maskF, [batch, seq, h]);
  return b.build();
}
