/** Typed node attributes: a discriminated union, constructors and readers with defaults. */
import { type DType, type Tensor } from '@mneme/tensor';
import { GraphError, ModelFormatError } from './errors.js';
import { describeOnnxDTypes, dtypeFromOnnxCode, onnxDTypeCode } from './onnx-dtype.js';

/** One node attribute, tagged with its ONNX attribute type. */
export type Attribute =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'tensor'; readonly value: Tensor };

/** The ONNX attribute types mneme supports (graph-valued attributes are not). */
export type AttributeType = Attribute['type'];

/** The value type of each attribute type. */
export type AttributeValueMap = { [A in Attribute as A['type']]: A['value'] };

/** Attributes of a node by name. */
export type Attributes = Record<string, Attribute>;

/**
 * Attribute constructors. ONNX checks attribute types against the op schema (an `alpha` given as
 * int is rejected), so the type is always explicit: `{ alpha: Attr.float(0.1), axis: Attr.int(1) }`.
 */
export const Attr = Object.freeze({
  /** A 64-bit integer attribute (must be a safe integer). */
  int: (value: number): Attribute => ({ type: 'int', value: checkInt(value) }),
  /** A 32-bit float attribute. */
  float: (value: number): Attribute => ({ type: 'float', value }),
  /** A UTF-8 string attribute. */
  string: (value: string): Attribute => ({ type: 'string', value }),
  /** A list of integers. */
  ints: (value: readonly number[]): Attribute => ({ type: 'ints', value: value.map(checkInt) }),
  /** A list of floats. */
  floats: (value: readonly number[]): Attribute => ({ type: 'floats', value: [...value] }),
  /** A list of strings. */
  strings: (value: readonly string[]): Attribute => ({ type: 'strings', value: [...value] }),
  /**
   * An element-type attribute (Cast's `to`, LayerNormalization's `stash_type`). ONNX stores these
   * as int attributes holding a `TensorProto.DataType` code; this writes the code for a dtype name.
   */
  dtype: (dtype: DType): Attribute => ({ type: 'int', value: onnxDTypeCode(dtype) }),
  /** A tensor attribute (e.g. Constant's `value`). */
  tensor: (value: Tensor): Attribute => ({ type: 'tensor', value }),
});

function checkInt(value: number): number {
  if (!Number.isInteger(value)) throw new GraphError(`Integer attribute expected, got ${value}`);
  return value;
}

/** Anything with attributes, e.g. a `Node`. */
export interface HasAttributes {
  /** Node name, used in error messages. */
  readonly name: string;
  /** The attributes. */
  readonly attributes: Attributes;
}

function read<T extends AttributeType>(owner: HasAttributes, name: string, type: T): AttributeValueMap[T] | undefined {
  const attr = owner.attributes[name];
  if (attr === undefined) return undefined;
  if (attr.type !== type) {
    throw new ModelFormatError(`Attribute '${name}' of node '${owner.name}' is ${attr.type}, expected ${type}`);
  }
  return attr.value as AttributeValueMap[T];
}

function required<T>(owner: HasAttributes, name: string, value: T | undefined, fallback: T | undefined): T {
  if (value !== undefined) return value;
  if (fallback !== undefined) return fallback;
  throw new ModelFormatError(`Node '${owner.name}' is missing required attribute '${name}'`);
}

/** Reads an int attribute; returns `fallback` when absent, throws when absent without fallback. */
export function attrInt(owner: HasAttributes, name: string, fallback?: number): number {
  return required(owner, name, read(owner, name, 'int'), fallback);
}

/**
 * Reads an element-type attribute (an int holding an ONNX `TensorProto.DataType` code, see
 * `Attr.dtype`) as a dtype name; returns `fallback` when absent, throws when absent without one or
 * when the code is not a supported element type.
 */
export function attrDType(owner: HasAttributes, name: string, fallback?: DType): DType {
  const code = read(owner, name, 'int');
  if (code === undefined) return required(owner, name, undefined, fallback);
  const dtype = dtypeFromOnnxCode(code);
  if (dtype === undefined) {
    throw new ModelFormatError(`Attribute '${name}' of node '${owner.name}' is element type ${code}; supported: ${describeOnnxDTypes()}`);
  }
  return dtype;
}

/** Reads a float attribute (an int attribute is accepted too); see `attrInt` for absence. */
export function attrFloat(owner: HasAttributes, name: string, fallback?: number): number {
  const attr = owner.attributes[name];
  if (attr?.type === 'int') return attr.value;
  return required(owner, name, read(owner, name, 'float'), fallback);
}

/** Reads a string attribute; see `attrInt` for absence. */
export function attrString(owner: HasAttributes, name: string, fallback?: string): string {
  return required(owner, name, read(owner, name, 'string'), fallback);
}

/** Reads an ints attribute; returns `undefined` when absent and no fallback is given. */
export function attrInts(owner: HasAttributes, name: string): readonly number[] | undefined;
/** Reads an ints attribute, or `fallback` when absent. */
export function attrInts(owner: HasAttributes, name: string, fallback: readonly number[]): readonly number[];
export function attrInts(owner: HasAttributes, name: string, fallback?: readonly number[]): readonly number[] | undefined {
  return read(owner, name, 'ints') ?? fallback;
}

/** Reads a floats attribute; returns `undefined` when absent. */
export function attrFloats(owner: HasAttributes, name: string): readonly number[] | undefined {
  return read(owner, name, 'floats');
}

/** Reads a tensor attribute; returns `undefined` when absent. */
export function attrTensor(owner: HasAttributes, name: string): Tensor | undefined {
  return read(owner, name, 'tensor');
}
