/** The in-memory ONNX IR: mutable plain objects for models, graphs, nodes and value types. */
import { type DType, type Tensor } from '@mneme/tensor';
import { type Attributes } from './attributes.js';

/** A dimension: a number, a symbolic name (`'batch'`), or `''` for an unnamed unknown dimension. */
export type Dim = number | string;

/** Declared type of a graph input, output or intermediate value. */
export interface ValueInfo {
  /** Value name. */
  name: string;
  /** Element type. */
  dtype: DType;
  /** Dimensions, or `undefined` when even the rank is unknown. */
  shape?: Dim[] | undefined;
}

/** One operator application. */
export interface Node {
  /** Node name, unique within the graph. */
  name: string;
  /** Operator type, e.g. `'MatMul'`. */
  opType: string;
  /** Operator domain; `''` is the default ONNX domain. */
  domain: string;
  /** Input value names; `''` marks an omitted optional input. */
  inputs: string[];
  /** Output value names; `''` marks an omitted optional output. */
  outputs: string[];
  /** Attributes by name. */
  attributes: Attributes;
}

/** A computation graph in static single assignment form: every value has exactly one producer. */
export interface Graph {
  /** Graph name. */
  name: string;
  /** Nodes; `topologicalOrder` sorts them, encoding keeps this order. */
  nodes: Node[];
  /** Graph inputs (fed at run time). */
  inputs: ValueInfo[];
  /** Graph outputs. */
  outputs: ValueInfo[];
  /** Constant tensors by name (trainable weights live here). */
  initializers: Map<string, Tensor>;
  /** Optional type annotations of intermediate values (ONNX `value_info`). */
  valueInfo: ValueInfo[];
}

/** An operator set the model imports. */
export interface OpsetImport {
  /** Domain; `''` is the default ONNX domain. */
  domain: string;
  /** Opset version. */
  version: number;
}

/** An ONNX model: a graph plus the versions needed to interpret it. */
export interface Model {
  /** ONNX IR version (8 or later for opset 17). */
  irVersion: number;
  /** Imported operator sets; the default domain must be version 17 or later. */
  opsetImports: OpsetImport[];
  /** Name of the tool that produced the model. */
  producerName: string;
  /** Version of that tool. */
  producerVersion: string;
  /** Free-form key/value metadata (ONNX `metadata_props`). */
  metadata: Record<string, string>;
  /** The main graph. */
  graph: Graph;
}

/** Default ONNX opset version used by builders and inference when none is given. */
export const DEFAULT_OPSET = 17;

/** Lowest default-domain opset version mneme supports. */
export const MIN_OPSET = 17;

/** IR version written for new models (ONNX 1.12+, the first to pair with opset 17). */
export const DEFAULT_IR_VERSION = 8;

/** Whether `domain` names the default ONNX operator domain. */
export function isDefaultDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/** Version of the default ONNX domain imported by `model`, or `undefined` if none is imported. */
export function defaultOpsetVersion(model: Model): number | undefined {
  return model.opsetImports.find((o) => isDefaultDomain(o.domain))?.version;
}

/** An empty graph. */
export function createGraph(name = 'main'): Graph {
  return { name, nodes: [], inputs: [], outputs: [], initializers: new Map(), valueInfo: [] };
}

function cloneValueInfo(v: ValueInfo): ValueInfo {
  return { name: v.name, dtype: v.dtype, shape: v.shape === undefined ? undefined : [...v.shape] };
}

/**
 * Copies a graph's structure (nodes, value infos, the initializer map) so the copy can be edited
 * freely. Tensor data is shared, not copied: weights can be large and tensors are never mutated here.
 */
export function cloneGraph(graph: Graph): Graph {
  return {
    name: graph.name,
    nodes: graph.nodes.map((n) => ({
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      inputs: [...n.inputs],
      outputs: [...n.outputs],
      attributes: { ...n.attributes },
    })),
    inputs: graph.inputs.map(cloneValueInfo),
    outputs: graph.outputs.map(cloneValueInfo),
    initializers: new Map(graph.initializers),
    valueInfo: graph.valueInfo.map(cloneValueInfo),
  };
}

/** Copies a model with `cloneGraph` semantics (tensor data shared). */
export function cloneModel(model: Model): Model {
  return {
    irVersion: model.irVersion,
    opsetImports: model.opsetImports.map((o) => ({ ...o })),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    metadata: { ...model.metadata },
    graph: cloneGraph(model.graph),
  };
}
