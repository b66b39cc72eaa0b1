/** Static shape and dtype inference over a whole graph, with folding of small constant values. */
import { type DType, isFloatDType } from '@mneme/tensor';
import { GraphError, ShapeInferenceError, UnsupportedOpError } from './errors.js';
import { DEFAULT_OPSET, defaultOpsetVersion, type Graph, MIN_OPSET, type Model, type Node } from './ir.js';
import { opRule } from './op-rules.js';
import { type FoldedValues, type RuleContext, type TensorType } from './rule-context.js';
import { topologicalOrder } from './topology.js';
import { elementCount, tensorToNumbers } from './tensor-value.js';

/** Options of `inferShapes`. */
export interface InferShapesOptions {
  /** Values of symbolic dimensions of graph inputs, e.g. `{ batch: 8, sequence: 128 }`. @default {} */
  dims?: Readonly<Record<string, number>>;
  /** Default-domain opset when inferring a bare `Graph` (a `Model` carries its own). @default 17 */
  opset?: number;
  /** Largest value (in elements) that constant folding computes. @default 4096 */
  maxFoldElements?: number;
}

/** Result of `inferGraph`: static types of every value and the statically known small values. */
export interface GraphInference {
  /** Type of every value: graph inputs, initializers and every node output. */
  types: Map<string, TensorType>;
  /** Elements (as numbers) of the values folding could compute, including small initializers. */
  constants: Map<string, FoldedValues>;
  /** Default-domain opset the graph was interpreted with. */
  opset: number;
}

const DEFAULT_MAX_FOLD = 4096;

/** Converts a folded number to what the element type can hold (Cast semantics). */
function coerce(dtype: DType, value: number): number {
  if (dtype === 'bool') return value !== 0 && !Number.isNaN(value) ? 1 : 0;
  if (isFloatDType(dtype)) return dtype === 'float32' ? Math.fround(value) : value;
  return Number.isFinite(value) ? Math.trunc(value) : Number.isNaN(value) ? 0 : value;
}

function resolveInputs(graph: Graph, dims: Readonly<Record<string, number>>): Map<string, TensorType> {
  const types = new Map<string, TensorType>();
  const problems: string[] = [];
  for (const input of graph.inputs) {
    if (input.shape === undefined) {
      problems.push(`graph input '${input.name}' has unknown rank`);
      continue;
    }
    const shape = input.shape.map((d, i) => {
      if (typeof d === 'number') return d;
      if (d === '') {
        problems.push(`graph input '${input.name}' has an unnamed dynamic dim at position ${i}; name it or specialise the graph`);
        return 0;
      }
      const value = dims[d];
      if (value === undefined) problems.push(`graph input '${input.name}' needs a value for dim '${d}' (pass options.dims)`);
      else if (!Number.isInteger(value) || value < 0) problems.push(`dim '${d}' must be a non-negative integer, got ${value}`);
      return value ?? 0;
    });
    types.set(input.name, { dtype: input.dtype, shape });
  }
  if (problems.length > 0) throw new ShapeInferenceError(`Cannot infer static shapes: ${problems.join('; ')}`);
  return types;
}

/**
 * Infers static types of every value and folds small constant values (shape arithmetic such as
 * Shape → Gather → Unsqueeze → Concat → Reshape). Checks every op first and throws
 * `UnsupportedOpError` for the first op without a rule; inconsistent shapes or dtypes, or a
 * shape-carrying input that is not static, throw `ShapeInferenceError` naming the node.
 */
export function inferGraph(target: Model | Graph, options: InferShapesOptions = {}): GraphInference {
  const model = 'graph' in target ? target : undefined;
  const graph = model?.graph ?? (target as Graph);
  const opset = model !== undefined ? defaultOpsetVersion(model) : (options.opset ?? DEFAULT_OPSET);
  if (opset === undefined) throw new ShapeInferenceError('Model imports no default ONNX opset');
  if (opset < MIN_OPSET) throw new ShapeInferenceError(`Opset ${opset} is not supported; mneme needs opset ${MIN_OPSET} or later`);
  for (const node of graph.nodes) {
    if (opRule(node.opType, node.domain) === undefined) {
      throw new UnsupportedOpError(node.opType, node.name, node.domain);
    }
  }
  const maxFold = options.maxFoldElements ?? DEFAULT_MAX_FOLD;
  const types = resolveInputs(graph, options.dims ?? {});
  const constants = new Map<string, FoldedValues>();
  const inputNames = new Set(graph.inputs.map((v) => v.name));
  for (const [name, tensor] of graph.initializers) {
    if (inputNames.has(name)) continue; // an initializer that is also an input is only a default value
    types.set(name, { dtype: tensor.dtype, shape: [...tensor.shape] });
    if (tensor.data.length <= maxFold && tensor.dtype !== 'float16') constants.set(name, tensorToNumbers(tensor));
  }
  for (const node of topologicalOrder(graph)) inferNode(node, opset, types, constants, maxFold);
  checkDeclaredOutputs(graph, types, options.dims ?? {});
  return { types, constants, opset };
}

/**
 * Static type of every value in the graph (inputs, initializers, node outputs) after substituting
 * symbolic input dims from `options.dims`. See `inferGraph` for errors.
 */
export function inferShapes(target: Model | Graph, options: InferShapesOptions = {}): Map<string, TensorType> {
  return inferGraph(target, options).types;
}

function inferNode(node: Node, opset: number, types: Map<string, TensorType>, constants: Map<string, FoldedValues>, maxFold: number): void {
  const rule = opRule(node.opType, node.domain)!;
  const fail = (message: string): never => {
    throw new ShapeInferenceError(`${node.opType} node '${node.name}': ${message}`, node.name);
  };
  const optionalInput = (i: number): TensorType | undefined => {
    const name = node.inputs[i];
    if (name === undefined || name === '') return undefined;
    return types.get(name) ?? fail(`input '${name}' has no inferred type`);
  };
  const ctx: RuleContext = {
    node,
    opset,
    inputCount: node.inputs.length,
    outputCount: node.outputs.length,
    input: (i) => optionalInput(i) ?? fail(`input ${i} is required`),
    optionalInput,
    constant: (i) => {
      const name = node.inputs[i];
      return name === undefined || name === '' ? undefined : constants.get(name);
    },
    requireConstant: (i, what) => {
      const name = node.inputs[i];
      if (name === undefined || name === '') return fail(`${what} is required`);
      return constants.get(name) ?? fail(`${what} ('${name}') must be statically known for static shapes`);
    },
    fail,
  };
  let outputs: TensorType[];
  try {
    outputs = rule.infer(ctx);
  } catch (error) {
    if (error instanceof ShapeInferenceError) throw error;
    // Attribute and dtype helpers throw plain GraphErrors; give them the node's context.
    if (error instanceof GraphError || error instanceof RangeError) return fail(error.message);
    throw error;
  }
  node.outputs.forEach((name, i) => {
    if (name === '') return;
    const type = outputs[i];
    if (type === undefined) fail(`has no output ${i} ('${name}')`);
    else types.set(name, type);
  });
  const fold = rule.fold;
  const foldable =
    fold !== undefined &&
    outputs.every((t) => t.dtype !== 'float16' && elementCount(t.shape) <= maxFold) &&
    node.inputs.every((name) => name === '' || types.get(name)?.dtype !== 'float16');
  if (!foldable) return;
  const values = fold(ctx, outputs);
  values?.forEach((v, i) => {
    const name = node.outputs[i];
    if (v === undefined || name === undefined || name === '') return;
    const type = outputs[i]!;
    if (v.length !== elementCount(type.shape)) fail(`folded ${v.length} values for shape [${type.shape.join(', ')}] (internal error)`);
    constants.set(
      name,
      v.map((x) => coerce(type.dtype, x)),
    );
  });
}

function checkDeclaredOutputs(graph: Graph, types: Map<string, TensorType>, dims: Readonly<Record<string, number>>): void {
  const problems: string[] = [];
  for (const out of graph.outputs) {
    const inferred = types.get(out.name);
    if (inferred === undefined) {
      problems.push(`graph output '${out.name}' is never produced`);
      continue;
    }
    if (inferred.dtype !== out.dtype) {
      problems.push(`graph output '${out.name}' is declared ${out.dtype} but computes ${inferred.dtype}`);
    }
    if (out.shape === undefined) continue;
    const declared = out.shape.map((d) => (typeof d === 'number' ? d : dims[d]));
    const mismatch = declared.length !== inferred.shape.length || declared.some((d, i) => d !== undefined && d !== inferred.shape[i]);
    if (mismatch) {
      problems.push(`graph output '${out.name}' is declared [${out.shape.join(', ')}] but computes [${inferred.shape.join(', ')}]`);
    }
  }
  if (problems.length > 0) throw new ShapeInferenceError(problems.join('; '));
}
