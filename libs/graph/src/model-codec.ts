/** ModelProto bytes ↔ the in-memory IR (`Model`). */
import { type Tensor } from '@mneme/tensor';
import { type Attribute, type Attributes } from './attributes.js';
import { ModelFormatError } from './errors.js';
import {
  AttributeProto,
  AttributeProto_AttributeType as AttrType,
  GraphProto,
  ModelProto,
  NodeProto,
  type TensorShapeProto_Dimension,
  ValueInfoProto,
} from './generated/onnx/onnx.js';
import { int64ToNumber, numberToInt64 } from './int64.js';
import { describeOnnxDTypes, dtypeFromOnnxCode, onnxDTypeCode } from './onnx-dtype.js';
import { type Dim, type Graph, type Model, type Node, type ValueInfo } from './ir.js';
import { type ExternalDataRef, type ExternalDataResolver, tensorFromProto, tensorToProto } from './tensor-codec.js';

/** Options of `decodeModel`. */
export interface DecodeOptions {
  /** Reads externally stored tensor data; without it, external tensors are an error. */
  resolveExternal?: ExternalDataResolver | undefined;
}

/** Decides per initializer whether to store it outside the model bytes; returns where, or `undefined`. */
export type ExternalDataPlacer = (name: string, tensor: Tensor) => ExternalDataRef | undefined;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

function decodeValueInfo(proto: ValueInfoProto, where: string): ValueInfo {
  const name = proto.name ?? '';
  const type = proto.type?.value;
  if (type === undefined) throw new ModelFormatError(`${where} '${name}' has no type`);
  if (type.$case !== 'tensorType') throw new ModelFormatError(`${where} '${name}' is a ${type.$case}; only tensors are supported`);
  const code = type.value.elemType ?? 0;
  const dtype = dtypeFromOnnxCode(code);
  if (dtype === undefined) {
    throw new ModelFormatError(`${where} '${name}' has unsupported element type ${code}; supported: ${describeOnnxDTypes()}`);
  }
  const shape = type.value.shape?.dim.map((d): Dim => {
    if (d.value?.$case === 'dimValue') return int64ToNumber(d.value.value);
    if (d.value?.$case === 'dimParam') return d.value.value;
    return '';
  });
  return { name, dtype, shape };
}

function encodeValueInfo(info: ValueInfo): ValueInfoProto {
  const dim = info.shape?.map((d): TensorShapeProto_Dimension => {
    if (typeof d === 'number') return { value: { $case: 'dimValue', value: BigInt(d) } };
    return d === '' ? {} : { value: { $case: 'dimParam', value: d } };
  });
  return ValueInfoProto.create({
    name: info.name,
    type: {
      value: { $case: 'tensorType', value: { elemType: onnxDTypeCode(info.dtype), shape: dim === undefined ? undefined : { dim } } },
    },
  });
}

function decodeAttribute(proto: AttributeProto, nodeName: string): Attribute {
  const name = proto.name ?? '';
  const where = `attribute '${name}' of node '${nodeName}'`;
  if (proto.refAttrName !== undefined && proto.refAttrName !== '') {
    throw new ModelFormatError(`${where} references a function attribute; functions are not supported`);
  }
  switch (proto.type) {
    case AttrType.INT:
      return { type: 'int', value: int64ToNumber(proto.i ?? 0n) };
    case AttrType.FLOAT:
      return { type: 'float', value: proto.f ?? 0 };
    case AttrType.STRING:
      return { type: 'string', value: utf8Decoder.decode(proto.s ?? new Uint8Array()) };
    case AttrType.INTS:
      return { type: 'ints', value: proto.ints.map(int64ToNumber) };
    case AttrType.FLOATS:
      return { type: 'floats', value: [...proto.floats] };
    case AttrType.STRINGS:
      return { type: 'strings', value: proto.strings.map((s) => utf8Decoder.decode(s)) };
    case AttrType.TENSOR:
      if (proto.t === undefined) throw new ModelFormatError(`${where} has no tensor`);
      return { type: 'tensor', value: tensorFromProto(proto.t) };
    default:
      throw new ModelFormatError(`${where} has unsupported type ${AttrType[proto.type ?? 0] ?? proto.type}`);
  }
}

function encodeAttribute(name: string, attr: Attribute): AttributeProto {
  const proto = AttributeProto.create({ name });
  switch (attr.type) {
    case 'int':
      return { ...proto, type: AttrType.INT, i: numberToInt64(attr.value) };
    case 'float':
      return { ...proto, type: AttrType.FLOAT, f: attr.value };
    case 'string':
      return { ...proto, type: AttrType.STRING, s: utf8Encoder.encode(attr.value) };
    case 'ints':
      return { ...proto, type: AttrType.INTS, ints: attr.value.map(numberToInt64) };
    case 'floats':
      return { ...proto, type: AttrType.FLOATS, floats: [...attr.value] };
    case 'strings':
      return { ...proto, type: AttrType.STRINGS, strings: attr.value.map((s) => utf8Encoder.encode(s)) };
    case 'tensor':
      return { ...proto, type: AttrType.TENSOR, t: tensorToProto('', attr.value) };
  }
}

function decodeNode(proto: NodeProto, name: string): Node {
  const attributes: Attributes = {};
  for (const a of proto.attribute) attributes[a.name ?? ''] = decodeAttribute(a, name);
  return { name, opType: proto.opType ?? '', domain: proto.domain ?? '', inputs: [...proto.input], outputs: [...proto.output], attributes };
}

function encodeNode(node: Node): NodeProto {
  return NodeProto.create({
    name: node.name,
    opType: node.opType,
    domain: node.domain === '' ? undefined : node.domain,
    input: node.inputs,
    output: node.outputs,
    attribute: Object.entries(node.attributes).map(([name, attr]) => encodeAttribute(name, attr)),
  });
}

function decodeGraph(proto: GraphProto, resolveExternal: ExternalDataResolver | undefined): Graph {
  if (proto.sparseInitializer.length > 0) throw new ModelFormatError('Sparse initializers are not supported');
  const initializers = new Map<string, Tensor>();
  for (const t of proto.initializer) {
    const name = t.name ?? '';
    if (initializers.has(name)) throw new ModelFormatError(`Initializer '${name}' is defined twice`);
    initializers.set(name, tensorFromProto(t, resolveExternal));
  }
  // Node names are optional in ONNX; the IR needs unique ones, so unnamed nodes get fresh names.
  const taken = new Set(proto.node.map((n) => n.name ?? '').filter((n) => n !== ''));
  const nodeNames = proto.node.map((n, i) => {
    if (n.name !== undefined && n.name !== '') return n.name;
    let name = `${n.opType ?? 'node'}_${i}`;
    while (taken.has(name)) name = `${name}_`;
    taken.add(name);
    return name;
  });
  return {
    name: proto.name ?? 'main',
    nodes: proto.node.map((n, i) => decodeNode(n, nodeNames[i] ?? '')),
    inputs: proto.input.map((v) => decodeValueInfo(v, 'Graph input')),
    outputs: proto.output.map((v) => decodeValueInfo(v, 'Graph output')),
    initializers,
    valueInfo: proto.valueInfo.map((v) => decodeValueInfo(v, 'Value info')),
  };
}

/** Builds the ModelProto message for a model; `place` moves chosen initializers to external data. */
export function modelToProto(model: Model, place?: ExternalDataPlacer): ModelProto {
  const g = model.graph;
  return ModelProto.create({
    irVersion: BigInt(model.irVersion),
    opsetImport: model.opsetImports.map((o) => ({ domain: o.domain, version: BigInt(o.version) })),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    metadataProps: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
    graph: GraphProto.create({
      name: g.name,
      node: g.nodes.map(encodeNode),
      input: g.inputs.map(encodeValueInfo),
      output: g.outputs.map(encodeValueInfo),
      valueInfo: g.valueInfo.map(encodeValueInfo),
      initializer: [...g.initializers].map(([name, t]) => tensorToProto(name, t, place?.(name, t))),
    }),
  });
}

/**
 * Decodes ONNX model bytes. Initializers may use raw data or the typed fields (float_data,
 * int64_data, ...); external data needs `options.resolveExternal` (as `loadModel` provides).
 * Throws `ModelFormatError` for malformed bytes and unsupported features (functions, sparse
 * tensors, graph-valued attributes, non-tensor types).
 */
export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}): Model {
  let proto: ModelProto;
  try {
    proto = ModelProto.decode(bytes);
  } catch (error) {
    throw new ModelFormatError(`Not a valid ONNX model: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (proto.graph === undefined) throw new ModelFormatError('Model has no graph');
  if (proto.functions.length > 0) throw new ModelFormatError('Model-local functions are not supported');
  if (proto.trainingInfo.length > 0) throw new ModelFormatError('Models with training_info are not supported');
  const metadata: Record<string, string> = {};
  for (const p of proto.metadataProps) metadata[p.key ?? ''] = p.value ?? '';
  return {
    irVersion: int64ToNumber(proto.irVersion ?? 0n),
    opsetImports: proto.opsetImport.map((o) => ({ domain: o.domain ?? '', version: int64ToNumber(o.version ?? 0n) })),
    producerName: proto.producerName ?? '',
    producerVersion: proto.producerVersion ?? '',
    metadata,
    graph: decodeGraph(proto.graph, options.resolveExternal),
  };
}

/** Encodes a model to ONNX bytes with every initializer inline as little-endian raw data. */
export function encodeModel(model: Model): Uint8Array {
  return ModelProto.encode(modelToProto(model)).finish();
}
