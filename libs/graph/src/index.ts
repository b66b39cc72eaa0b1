/**
 * ONNX IR: load and save ModelProto, a graph builder, topological order, pruning, shape and dtype inference.
 * Tensors and element types are libs/tensor's `Tensor` and dtype names (`'float32'`); the ONNX
 * `TensorProto.DataType` codes stay inside the codec (see `onnxDTypeCode` / `dtypeFromOnnxCode`).
 */
export { describeOnnxDTypes, dtypeFromOnnxCode, onnxDTypeCode } from './onnx-dtype.js';
export { ExternalDataError, GraphError, GraphStructureError, ModelFormatError, ShapeInferenceError, UnsupportedOpError } from './errors.js';
export { createTensor, elementCount, scalarTensor, tensorsEqual, tensorToNumbers } from './tensor-value.js';
export type { TensorInit } from './tensor-value.js';
export { Attr, attrDType, attrFloat, attrFloats, attrInt, attrInts, attrString, attrTensor } from './attributes.js';
export type { Attribute, Attributes, AttributeType, AttributeValueMap, HasAttributes } from './attributes.js';
export {
  cloneGraph,
  cloneModel,
  createGraph,
  DEFAULT_IR_VERSION,
  DEFAULT_OPSET,
  defaultOpsetVersion,
  isDefaultDomain,
  MIN_OPSET,
} from './ir.js';
export type { Dim, Graph, Model, Node, OpsetImport, ValueInfo } from './ir.js';
export { decodeModel, encodeModel } from './model-codec.js';
export type { DecodeOptions } from './model-codec.js';
export type { ExternalDataRef, ExternalDataResolver } from './tensor-codec.js';
export { loadModel, resolveExternalPath, saveModel } from './model-file.js';
export type { SaveModelOptions } from './model-file.js';
export { GraphBuilder } from './builder.js';
export type { BuildOptions, GemmOptions, GraphBuilderOptions, OpOptions } from './builder.js';
export { inlineGraph } from './inline-graph.js';
export { assertValidGraph, sortGraph, topologicalOrder, validateGraph } from './topology.js';
export { pruneDeadNodes } from './prune.js';
export type { PruneOptions } from './prune.js';
export { inferGraph, inferShapes } from './shape-inference.js';
export type { GraphInference, InferShapesOptions } from './shape-inference.js';
export type { FoldedValues, TensorType } from './rule-context.js';
export { isSupportedOp, opRule, SUPPORTED_OPS } from './op-rules.js';
export { CONTRIB_OP_RULES, MS_DOMAIN } from './rules/contrib.js';
export { clearSpecializations, specialize, specializeModel } from './specialize.js';
export { estimateFlops } from './flops.js';
