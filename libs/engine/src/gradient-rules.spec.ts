/**
 * Every rule in libs/autodiff's GRADIENT_RULES, checked against central finite differences on ONNX
 * Runtime. Each case builds `loss = Σ op(inputs) ⊙ R` with a fixed random R (so every output element
 * gets a different cotangent), in float64 where ONNX Runtime's CPU provider runs the op in double
 * (tolerance 1e-6) and in float32 otherwise (tolerance 2e-2, eps 1e-2).
 */
import { type DType, type Tensor } from '@mneme/tensor';
import { GRADIENT_RULES, NON_DIFFERENTIABLE_OPS } from '@mneme/autodiff';
import { Attr, createTensor, GraphBuilder, inferShapes, type Attributes, type Model } from '@mneme/graph';
import { describe, expect, it } from 'vitest';
import { checkGradients } from './gradcheck.js';

/** Deterministic uniform values in [lo, hi). */
function uniform(seed: number, n: number, lo = -1, hi = 1): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (s / 2 ** 32) * (hi - lo);
  });
}

/** A float input to differentiate: its shape and value range. */
interface FloatArg {
  shape: number[];
  lo?: number;
  hi?: number;
  /** Exclude from wrt (still fed). */
  frozen?: boolean;
}
/** A constant (non-differentiable) input: an int64/bool tensor or static float values. */
interface ConstArg {
  constant: Tensor;
}
type Arg = FloatArg | ConstArg | null;

interface Case {
  name: string;
  op: string;
  args: Arg[];
  attrs?: Attributes;
  /** Number of outputs of the node; the loss uses output 0 unless `lossOutputs` says otherwise. */
  outputs?: number;
  lossOutputs?: number[];
  /** Only run in float32 (an op whose double kernel the CPU provider lacks gives float32 automatically). */
  float32?: boolean;
  /** Default-domain opset of the case's model. @default 17 */
  opset?: number;
}

const ints = (values: number[], dims = [values.length]) => ({ constant: createTensor('int64', dims, values) });
const floats = (values: number[], dims = [values.length]) => ({ constant: createTensor('float64', dims, values) });
const bools = (values: boolean[], dims: number[]) => ({ constant: createTensor('bool', dims, values) });

function buildCase(c: Case, dtype: DType, seed: number): { model: Model; feeds: Record<string, Tensor>; wrt: string[] } {
  const b = new GraphBuilder({ opset: c.opset ?? 17 });
  const feeds: Record<string, Tensor> = {};
  const wrt: string[] = [];
  const inputs = c.args.map((arg, i) => {
    if (arg === null) return '';
    if ('constant' in arg) {
      const t =
        arg.constant.dtype === 'float64'
          ? createTensor(dtype, arg.constant.shape, Array.from(arg.constant.data as Float64Array))
          : arg.constant;
      return b.constant(t);
    }
    const name = b.input(`x${i}`, dtype, arg.shape);
    const n = arg.shape.reduce((p, d) => p * d, 1);
    feeds[name] = createTensor(dtype, arg.shape, uniform(seed + i * 7919, n, arg.lo, arg.hi));
    if (!arg.frozen) wrt.push(name);
    return name;
  });
  const outs = [b.op(c.op, inputs, c.attrs ?? {}, { outputs: c.outputs ?? 1 })].flat();
  const types = inferShapes(b.buildGraph({ validate: false }), {});
  let loss: string | undefined;
  for (const k of c.lossOutputs ?? [0]) {
    const y = outs[k]!;
    const t = types.get(y)!;
    const n = t.shape.reduce((p, d) => p * d, 1);
    const r = b.constant(createTensor(t.dtype, t.shape, uniform(seed + 31 * (k + 1), n)));
    const term = b.reduceSum(b.mul(y, r), undefined, false);
    loss = loss === undefined ? term : b.add(loss, term);
  }
  b.output(loss!, dtype, []);
  return { model: b.build(), feeds, wrt };
}

async function gradError(c: Case): Promise<{ worst: number; dtype: string }> {
  const attempt = async (dtype: DType) => {
    const { model, feeds, wrt } = buildCase(c, dtype, 1234);
    return checkGradients(model, { loss: model.graph.outputs[0]!.name, wrt, feeds });
  };
  if (!c.float32) {
    try {
      return { worst: (await attempt('float64')).worst, dtype: 'float64' };
    } catch (err) {
      if (!/NOT_IMPLEMENTED|Could not find an implementation|not supported|type/i.test(String(err))) throw err;
    }
  }
  return { worst: (await attempt('float32')).worst, dtype: 'float32' };
}

const sq = (n: number, d = [n]) => ({ shape: d });
const CASES: Case[] = [
  // Elementwise with broadcasting.
  { name: 'Add broadcast', op: 'Add', args: [{ shape: [2, 3, 4] }, { shape: [3, 1] }] },
  { name: 'Sub broadcast', op: 'Sub', args: [{ shape: [2, 3] }, { shape: [3] }] },
  { name: 'Mul broadcast', op: 'Mul', args: [{ shape: [2, 1, 4] }, { shape: [3, 4] }] },
  { name: 'Div', op: 'Div', args: [{ shape: [2, 3] }, { shape: [2, 3], lo: 0.5, hi: 2 }] },
  {
    name: 'Pow',
    op: 'Pow',
    args: [
      { shape: [2, 3], lo: 0.5, hi: 2 },
      { shape: [3], lo: 0.5, hi: 2.5 },
    ],
  },
  { name: 'Neg', op: 'Neg', args: [sq(5)] },
  { name: 'Sum of three', op: 'Sum', args: [{ shape: [2, 3] }, { shape: [3] }, { shape: [2, 1] }] },
  { name: 'Min', op: 'Min', args: [{ shape: [2, 3] }, { shape: [2, 3] }] },
  { name: 'Max', op: 'Max', args: [{ shape: [2, 3] }, { shape: [3] }] },
  { name: 'Where', op: 'Where', args: [bools([true, false, true, false, false, true], [2, 3]), { shape: [2, 3] }, { shape: [3] }] },
  { name: 'Abs', op: 'Abs', args: [{ shape: [6], lo: 0.2, hi: 1 }] },
  { name: 'Reciprocal', op: 'Reciprocal', args: [{ shape: [6], lo: 0.5, hi: 2 }] },
  { name: 'Exp', op: 'Exp', args: [sq(6)] },
  { name: 'Log', op: 'Log', args: [{ shape: [6], lo: 0.5, hi: 3 }] },
  { name: 'Sqrt', op: 'Sqrt', args: [{ shape: [6], lo: 0.5, hi: 3 }] },
  { name: 'Sigmoid', op: 'Sigmoid', args: [sq(6)] },
  { name: 'Tanh', op: 'Tanh', args: [sq(6)] },
  { name: 'Relu', op: 'Relu', args: [{ shape: [2, 5] }] },
  { name: 'LeakyRelu', op: 'LeakyRelu', args: [{ shape: [2, 5] }], attrs: { alpha: Attr.float(0.2) } },
  { name: 'Erf', op: 'Erf', args: [sq(6)] },
  { name: 'Gelu', op: 'Gelu', args: [sq(6)], opset: 20 },
  { name: 'Gelu tanh', op: 'Gelu', args: [sq(6)], attrs: { approximate: Attr.string('tanh') }, opset: 20 },
  { name: 'Clip', op: 'Clip', args: [{ shape: [8], lo: -2, hi: 2 }, floats([-1], []), floats([1], [])] },
  { name: 'Identity', op: 'Identity', args: [sq(4)] },
  { name: 'Dropout (inference)', op: 'Dropout', args: [{ shape: [2, 3] }] },
  { name: 'Cast float→float', op: 'Cast', args: [{ shape: [2, 3] }], attrs: { to: Attr.dtype('float32') }, float32: true },
  { name: 'Expand', op: 'Expand', args: [{ shape: [3, 1] }, ints([2, 3, 4])] },
  // Linear algebra.
  { name: 'MatMul batched × matrix', op: 'MatMul', args: [{ shape: [2, 3, 4] }, { shape: [4, 5] }] },
  { name: 'MatMul vector × matrix', op: 'MatMul', args: [{ shape: [4] }, { shape: [4, 5] }] },
  { name: 'MatMul matrix × vector', op: 'MatMul', args: [{ shape: [3, 4] }, { shape: [4] }] },
  { name: 'MatMul batched broadcast', op: 'MatMul', args: [{ shape: [2, 1, 3, 4] }, { shape: [3, 4, 2] }] },
  {
    name: 'Gemm',
    op: 'Gemm',
    args: [{ shape: [3, 4] }, { shape: [4, 5] }, { shape: [5] }],
    attrs: { alpha: Attr.float(0.7), beta: Attr.float(1.3) },
  },
  {
    name: 'Gemm transA transB',
    op: 'Gemm',
    args: [{ shape: [4, 3] }, { shape: [5, 4] }, { shape: [1, 5] }],
    attrs: { transA: Attr.int(1), transB: Attr.int(1) },
  },
  { name: 'Gemm transB', op: 'Gemm', args: [{ shape: [3, 4] }, { shape: [5, 4] }], attrs: { transB: Attr.int(1) } },
  { name: 'Gemm transA', op: 'Gemm', args: [{ shape: [4, 3] }, { shape: [4, 5] }, { shape: [3, 5] }], attrs: { transA: Attr.int(1) } },
  // Reductions and normalisation.
  { name: 'ReduceSum keepdims', op: 'ReduceSum', args: [{ shape: [2, 3, 4] }, ints([1])] },
  { name: 'ReduceSum no keepdims', op: 'ReduceSum', args: [{ shape: [2, 3, 4] }, ints([0, 2])], attrs: { keepdims: Attr.int(0) } },
  { name: 'ReduceMean', op: 'ReduceMean', args: [{ shape: [2, 3, 4] }], attrs: { axes: Attr.ints([-1]), keepdims: Attr.int(0) } },
  { name: 'ReduceMax', op: 'ReduceMax', args: [{ shape: [3, 4] }], attrs: { axes: Attr.ints([1]) } },
  { name: 'ReduceLogSumExp', op: 'ReduceLogSumExp', args: [{ shape: [3, 4] }], attrs: { axes: Attr.ints([0]) } },
  { name: 'Softmax', op: 'Softmax', args: [{ shape: [2, 3, 4] }], attrs: { axis: Attr.int(1) } },
  { name: 'LogSoftmax', op: 'LogSoftmax', args: [{ shape: [3, 5] }] },
  { name: 'LayerNormalization', op: 'LayerNormalization', args: [{ shape: [2, 3, 4] }, { shape: [4] }, { shape: [4] }] },
  {
    name: 'LayerNormalization axis 1',
    op: 'LayerNormalization',
    args: [{ shape: [2, 3, 4] }, { shape: [3, 4] }, { shape: [3, 4] }],
    attrs: { axis: Attr.int(1) },
  },
  {
    name: 'LayerNormalization with Mean and InvStdDev',
    op: 'LayerNormalization',
    args: [{ shape: [2, 3, 4] }, { shape: [4] }],
    attrs: { stash_type: Attr.dtype('float32') },
    outputs: 3,
    lossOutputs: [0, 1, 2],
    float32: true,
  },
  { name: 'SoftmaxCrossEntropyLoss mean', op: 'SoftmaxCrossEntropyLoss', args: [{ shape: [4, 5] }, ints([0, 3, 4, 1])] },
  {
    name: 'SoftmaxCrossEntropyLoss sum + log_prob',
    op: 'SoftmaxCrossEntropyLoss',
    args: [{ shape: [3, 4] }, ints([2, 0, 1])],
    attrs: { reduction: Attr.string('sum') },
    outputs: 2,
    lossOutputs: [0, 1],
  },
  {
    name: 'SoftmaxCrossEntropyLoss none, ignore_index',
    op: 'SoftmaxCrossEntropyLoss',
    args: [{ shape: [4, 3] }, ints([2, -1, 0, 1])],
    attrs: { reduction: Attr.string('none'), ignore_index: Attr.int(-1) },
  },
  {
    name: 'SoftmaxCrossEntropyLoss weights, ignore_index',
    op: 'SoftmaxCrossEntropyLoss',
    args: [{ shape: [4, 3] }, ints([2, 1, 0, 1]), floats([0.5, 2, 1])],
    attrs: { ignore_index: Attr.int(1) },
  },
  { name: 'SoftmaxCrossEntropyLoss spatial', op: 'SoftmaxCrossEntropyLoss', args: [{ shape: [2, 3, 2] }, ints([0, 2, 1, 1], [2, 2])] },
  // Convolution and pooling.
  {
    name: 'Conv stride 2 pad 1',
    op: 'Conv',
    args: [{ shape: [2, 3, 7, 6] }, { shape: [4, 3, 3, 3] }, { shape: [4] }],
    attrs: { strides: Attr.ints([2, 2]), pads: Attr.ints([1, 1, 1, 1]) },
  },
  { name: 'Conv groups', op: 'Conv', args: [{ shape: [1, 4, 5, 5] }, { shape: [6, 2, 3, 3] }], attrs: { group: Attr.int(2) } },
  {
    name: 'Conv dilation',
    op: 'Conv',
    args: [{ shape: [1, 2, 7, 7] }, { shape: [3, 2, 2, 2] }],
    attrs: { dilations: Attr.ints([2, 2]), pads: Attr.ints([0, 1, 1, 0]) },
  },
  {
    name: 'ConvTranspose stride 2',
    op: 'ConvTranspose',
    args: [{ shape: [1, 3, 4, 4] }, { shape: [3, 2, 3, 3] }, { shape: [2] }],
    attrs: { strides: Attr.ints([2, 2]), pads: Attr.ints([1, 1, 1, 1]), output_padding: Attr.ints([1, 1]) },
  },
  {
    name: 'MaxPool 2×2',
    op: 'MaxPool',
    args: [{ shape: [2, 2, 4, 4] }],
    attrs: { kernel_shape: Attr.ints([2, 2]), strides: Attr.ints([2, 2]) },
  },
  {
    name: 'MaxPool 3×3 pad 1',
    op: 'MaxPool',
    args: [{ shape: [1, 2, 5, 5] }],
    attrs: { kernel_shape: Attr.ints([3, 3]), pads: Attr.ints([1, 1, 1, 1]) },
  },
  {
    name: 'AveragePool 2×2',
    op: 'AveragePool',
    args: [{ shape: [2, 3, 4, 6] }],
    attrs: { kernel_shape: Attr.ints([2, 2]), strides: Attr.ints([2, 2]) },
  },
  { name: 'GlobalAveragePool', op: 'GlobalAveragePool', args: [{ shape: [2, 3, 4, 5] }] },
  // Shape and indexing.
  { name: 'Reshape', op: 'Reshape', args: [{ shape: [2, 3, 4] }, ints([4, -1])] },
  { name: 'Flatten', op: 'Flatten', args: [{ shape: [2, 3, 4] }], attrs: { axis: Attr.int(2) } },
  { name: 'Squeeze', op: 'Squeeze', args: [{ shape: [2, 1, 3] }, ints([1])] },
  { name: 'Unsqueeze', op: 'Unsqueeze', args: [{ shape: [2, 3] }, ints([0, 3])] },
  { name: 'Transpose', op: 'Transpose', args: [{ shape: [2, 3, 4] }], attrs: { perm: Attr.ints([2, 0, 1]) } },
  { name: 'Concat', op: 'Concat', args: [{ shape: [2, 3] }, { shape: [2, 1] }, { shape: [2, 2] }], attrs: { axis: Attr.int(1) } },
  { name: 'Split', op: 'Split', args: [{ shape: [5, 2] }, ints([2, 3])], attrs: { axis: Attr.int(0) }, outputs: 2, lossOutputs: [0, 1] },
  {
    name: 'Split, one output unused',
    op: 'Split',
    args: [{ shape: [2, 6] }, ints([2, 4])],
    attrs: { axis: Attr.int(1) },
    outputs: 2,
    lossOutputs: [1],
  },
  { name: 'Slice unit steps', op: 'Slice', args: [{ shape: [4, 5] }, ints([1, -3]), ints([3, 100]), ints([0, 1])] },
  { name: 'Slice strided', op: 'Slice', args: [{ shape: [6, 5] }, ints([0, 4]), ints([6, 0]), ints([0, 1]), ints([2, -2])] },
  { name: 'Pad', op: 'Pad', args: [{ shape: [2, 3] }, ints([1, 0, 2, 1])] },
  { name: 'Tile', op: 'Tile', args: [{ shape: [2, 3] }, ints([2, 2])] },
  { name: 'Gather axis 0 (embedding)', op: 'Gather', args: [{ shape: [5, 3] }, ints([4, 0, 4, 2], [2, 2])] },
  { name: 'Gather axis 1, negative index', op: 'Gather', args: [{ shape: [2, 4, 3] }, ints([-1, 1, 1])], attrs: { axis: Attr.int(1) } },
  {
    name: 'GatherElements',
    op: 'GatherElements',
    args: [{ shape: [3, 4] }, ints([0, 3, 3, 1, 2, 2], [3, 2])],
    attrs: { axis: Attr.int(1) },
  },
  { name: 'GatherND', op: 'GatherND', args: [{ shape: [3, 4] }, ints([2, 1, 0, 3], [2, 2])] },
  {
    name: 'ScatterElements',
    op: 'ScatterElements',
    args: [{ shape: [3, 4] }, ints([0, 3, 1, 2], [2, 2]), { shape: [2, 2] }],
    attrs: { axis: Attr.int(1) },
  },
  {
    name: 'ScatterElements add',
    op: 'ScatterElements',
    args: [{ shape: [3, 4] }, ints([0, 0, 1, 2], [2, 2]), { shape: [2, 2] }],
    attrs: { axis: Attr.int(1), reduction: Attr.string('add') },
  },
  { name: 'ScatterND', op: 'ScatterND', args: [{ shape: [4, 3] }, ints([2, 0], [2, 1]), { shape: [2, 3] }] },
];

describe('gradient rules against finite differences on ONNX Runtime', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { worst, dtype } = await gradError(c);
    expect(worst, `${c.op} in ${dtype}`).toBeLessThan(dtype === 'float64' ? 1e-6 : 2e-2);
  });

  it('covers every differentiable op in the table', () => {
    const tested = new Set(CASES.map((c) => c.op));
    const untested = Object.keys(GRADIENT_RULES).filter((op) => !tested.has(op) && !NON_DIFFERENTIABLE_OPS.has(op));
    expect(untested).toEqual([]);
  });
});
