/**
 * The one table of gradient rules: op type (default ONNX domain) → vector-Jacobian product.
 * Every op a rule emits has an entry here too (or is non-differentiable), so gradient graphs can be
 * differentiated again. Rules live by op family in ./rules; this table is the only registry.
 */
import type { GradientRule } from './grad-context.js';
import { averagePool, conv, convTranspose, globalAveragePool, maxPool } from './rules/conv.js';
import * as ew from './rules/elementwise.js';
import { gemm, matMul } from './rules/linear.js';
import {
  layerNormalization,
  logSoftmax,
  reduceLogSumExp,
  reduceMax,
  reduceMean,
  reduceSum,
  softmax,
  softmaxCrossEntropyLoss,
} from './rules/reduce.js';
import * as sh from './rules/shape.js';

export const GRADIENT_RULES: Readonly<Record<string, GradientRule>> = Object.freeze({
  // Elementwise.
  Add: ew.add,
  Sub: ew.sub,
  Mul: ew.mul,
  Div: ew.div,
  Pow: ew.pow,
  Neg: ew.neg,
  Sum: ew.sum,
  Min: ew.minMax,
  Max: ew.minMax,
  Where: ew.where,
  Abs: ew.abs,
  Reciprocal: ew.reciprocal,
  Exp: ew.exp,
  Log: ew.log,
  Sqrt: ew.sqrt,
  Sigmoid: ew.sigmoid,
  Tanh: ew.tanh,
  Relu: ew.relu,
  LeakyRelu: ew.leakyRelu,
  Erf: ew.erf,
  Gelu: ew.gelu,
  Clip: ew.clip,
  Identity: ew.passThrough,
  Dropout: ew.dropout,
  Cast: ew.cast,
  Expand: ew.expand,
  // Linear algebra.
  MatMul: matMul,
  Gemm: gemm,
  // Reductions and normalisation.
  ReduceSum: reduceSum,
  ReduceMean: reduceMean,
  ReduceMax: reduceMax,
  ReduceLogSumExp: reduceLogSumExp,
  Softmax: softmax,
  LogSoftmax: logSoftmax,
  LayerNormalization: layerNormalization,
  SoftmaxCrossEntropyLoss: softmaxCrossEntropyLoss,
  // Convolution and pooling.
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalAveragePool,
  // Shape and indexing.
  Reshape: sh.reshapeBack,
  Flatten: sh.reshapeBack,
  Squeeze: sh.reshapeBack,
  Unsqueeze: sh.reshapeBack,
  Transpose: sh.transpose,
  Concat: sh.concat,
  Split: sh.split,
  Slice: sh.slice,
  Pad: sh.pad,
  Tile: sh.tile,
  Gather: sh.gather,
  GatherElements: sh.gatherElements,
  GatherND: sh.gatherND,
  ScatterElements: sh.scatterElements,
  ScatterND: sh.scatterND,
});

/**
 * Ops whose outputs carry no gradient: comparisons, logic, integer and shape computations, and
 * constants. Values they produce are never on a differentiable path.
 */
export const NON_DIFFERENTIABLE_OPS: ReadonlySet<string> = new Set([
  'Shape',
  'Size',
  'Constant',
  'ConstantOfShape',
  'Range',
  'Equal',
  'Less',
  'LessOrEqual',
  'Greater',
  'GreaterOrEqual',
  'Not',
  'And',
  'Or',
  'ArgMax',
  'Sign',
  'Floor',
  'Ceil',
  'OneHot',
  'Mod',
]);
