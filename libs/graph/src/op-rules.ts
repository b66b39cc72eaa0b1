/** The one table of shape/dtype rules: op type (default ONNX domain) → rule. */
import { type DType, isFloatDType } from '@mneme/tensor';
import { type OpRule } from './rule-context.js';
import { binary, broadcasting, clipRule, divide, dropoutRule, modulo, notRule, unary, whereRule } from './rules/elementwise.js';
import { CONTRIB_OP_RULES, MS_DOMAIN } from './rules/contrib.js';
import { einsumRule, gemmRule, matMulRule } from './rules/linalg.js';
import { convRule, convTransposeRule, globalPoolRule, layerNormRule, poolRule, softmaxCrossEntropyRule } from './rules/nn.js';
import { argMaxRule, reduction, softmaxRule, topKRule } from './rules/reduce.js';
import {
  concatRule,
  expandRule,
  flattenRule,
  gatherElementsRule,
  gatherNDRule,
  gatherRule,
  oneHotRule,
  padRule,
  reshapeRule,
  scatterElementsRule,
  scatterNDRule,
  sliceRule,
  splitRule,
  squeezeRule,
  tileRule,
  transposeRule,
  unsqueezeRule,
} from './rules/shape-ops.js';
import { castLikeRule, castRule, constantOfShapeRule, constantRule, identityRule, rangeRule, shapeRule, sizeRule } from './rules/values.js';

const isFloat = (d: DType): boolean => isFloatDType(d);
const isBool = (d: DType): boolean => d === 'bool';
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const product = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);
const bool = (v: boolean): number => (v ? 1 : 0);

/** Shape and dtype rules of every supported default-domain op; folding rules ride along. */
export const OP_RULES: Readonly<Record<string, OpRule>> = Object.freeze({
  // Elementwise unary.
  Neg: unary((x) => -x),
  Abs: unary(Math.abs),
  Sign: unary(Math.sign),
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
  Reciprocal: unary(),
  Relu: unary(),
  LeakyRelu: unary(),
  Sigmoid: unary(),
  Tanh: unary(),
  Exp: unary(),
  Log: unary(),
  Sqrt: unary(),
  Erf: unary(),
  Gelu: unary(undefined, isFloat),
  Not: notRule,
  Identity: identityRule,
  Clip: clipRule,
  Dropout: dropoutRule,
  Softmax: softmaxRule,
  LogSoftmax: softmaxRule,
  Cast: castRule,
  CastLike: castLikeRule,
  // Broadcasting binary and variadic.
  Add: broadcasting(binary((a, b) => a + b)),
  Sub: broadcasting(binary((a, b) => a - b)),
  Mul: broadcasting(binary((a, b) => a * b)),
  Div: broadcasting(binary(divide)),
  Mod: broadcasting(binary(modulo)),
  Pow: broadcasting(undefined, { mixed: true }),
  Min: broadcasting((xs) => Math.min(...xs)),
  Max: broadcasting((xs) => Math.max(...xs)),
  Sum: broadcasting(sum),
  Equal: broadcasting(
    binary((a, b) => bool(a === b)),
    { result: 'bool' },
  ),
  Less: broadcasting(
    binary((a, b) => bool(a < b)),
    { result: 'bool' },
  ),
  LessOrEqual: broadcasting(
    binary((a, b) => bool(a <= b)),
    { result: 'bool' },
  ),
  Greater: broadcasting(
    binary((a, b) => bool(a > b)),
    { result: 'bool' },
  ),
  GreaterOrEqual: broadcasting(
    binary((a, b) => bool(a >= b)),
    { result: 'bool' },
  ),
  And: broadcasting(
    binary((a, b) => bool(a !== 0 && b !== 0)),
    { result: 'bool', inputDtype: isBool },
  ),
  Or: broadcasting(
    binary((a, b) => bool(a !== 0 || b !== 0)),
    { result: 'bool', inputDtype: isBool },
  ),
  Where: whereRule,
  // Linear algebra.
  MatMul: matMulRule,
  Gemm: gemmRule,
  Einsum: einsumRule,
  // Reductions.
  ReduceSum: reduction(sum),
  ReduceMean: reduction((xs) => sum(xs) / xs.length),
  ReduceMax: reduction((xs) => Math.max(...xs)),
  ReduceMin: reduction((xs) => Math.min(...xs)),
  ReduceProd: reduction(product),
  ReduceLogSumExp: reduction(),
  ArgMax: argMaxRule,
  TopK: topKRule,
  // Neural-network ops.
  Conv: convRule,
  ConvTranspose: convTransposeRule,
  MaxPool: poolRule,
  AveragePool: poolRule,
  GlobalAveragePool: globalPoolRule,
  GlobalMaxPool: globalPoolRule,
  LayerNormalization: layerNormRule,
  SoftmaxCrossEntropyLoss: softmaxCrossEntropyRule,
  // Shape manipulation and indexing.
  Reshape: reshapeRule,
  Flatten: flattenRule,
  Transpose: transposeRule,
  Concat: concatRule,
  Split: splitRule,
  Slice: sliceRule,
  Squeeze: squeezeRule,
  Unsqueeze: unsqueezeRule,
  Expand: expandRule,
  Tile: tileRule,
  Gather: gatherRule,
  GatherElements: gatherElementsRule,
  GatherND: gatherNDRule,
  ScatterElements: scatterElementsRule,
  ScatterND: scatterNDRule,
  Pad: padRule,
  OneHot: oneHotRule,
  // Value creation.
  Constant: constantRule,
  ConstantOfShape: constantOfShapeRule,
  Range: rangeRule,
  Shape: shapeRule,
  Size: sizeRule,
});

/** Every op type (default ONNX domain) that shape inference supports, sorted. */
export const SUPPORTED_OPS: readonly string[] = Object.freeze(Object.keys(OP_RULES).sort());

/** The shape rule of an op type in a domain (default ONNX or ONNX Runtime's `com.microsoft`), if any. */
export function opRule(opType: string, domain = ''): OpRule | undefined {
  const table = domain === '' || domain === 'ai.onnx' ? OP_RULES : domain === MS_DOMAIN ? CONTRIB_OP_RULES : undefined;
  return table !== undefined && Object.prototype.hasOwnProperty.call(table, opType) ? table[opType] : undefined;
}

/** Whether an op type in a domain has a shape rule. */
export function isSupportedOp(opType: string, domain = ''): boolean {
  return opRule(opType, domain) !== undefined;
}
