import { type DType } from '@mneme/tensor';
import {
  Attr,
  attrFloat,
  attrInt,
  attrInts,
  attrString,
  createTensor,
  type FoldedValues,
  type GraphBuilder,
  type Node,
  type TensorType,
} from '@mneme/graph';
import { GradientError } from './errors.js';

/**
 * What a gradient rule sees: the forward node, the static types of forward values, the incoming
 * cotangents of the node's outputs, and a builder to emit the backward ops into.
 *
 * Invariant: a cotangent always has exactly the type (dtype and shape) of the value it belongs to.
 */
export interface GradContext {
  /** The forward node being differentiated. */
  readonly node: Node;
  /** Builder of the graph the backward ops are appended to. */
  readonly b: GraphBuilder;
  /** Default-domain opset of the graph. */
  readonly opset: number;
  /** Name of forward input `i` (`''` when omitted). */
  input(i: number): string;
  /** Name of forward output `i`. */
  output(i: number): string;
  /** Static type of any forward value. */
  type(value: string): TensorType;
  /** Statically known elements of a forward value (small integer values such as axes, shapes). */
  constant(value: string): FoldedValues | undefined;
  /** Like `constant`, failing with a message that says `what` must be static. */
  requireConstant(value: string, what: string): FoldedValues;
  /** Cotangent of output `i`, or `undefined` when nothing downstream needs it (treat as zero). */
  dy(i: number): string | undefined;
  /** Whether the gradient of input `i` is needed. Rules skip work for inputs that are not. */
  needs(i: number): boolean;
  /** A scalar constant with `value` in `dtype` (for use with broadcasting). */
  scalar(value: number, dtype: DType): string;
  /** A constant tensor of zeros of the given type. */
  zeros(type: TensorType): string;
  /** Sums `grad` (of type `from`) down to `toShape`, undoing numpy broadcasting. */
  unbroadcast(grad: string, from: readonly number[], toShape: readonly number[]): string;
  /** Integer attribute of the node. */
  attrInt(name: string, fallback?: number): number;
  /** Float attribute of the node. */
  attrFloat(name: string, fallback?: number): number;
  /** Integer-list attribute of the node. */
  attrInts(name: string): readonly number[] | undefined;
  /** String attribute of the node. */
  attrString(name: string, fallback?: string): string;
  /** Throws a GradientError about this node. */
  fail(message: string): never;
}

/**
 * A gradient rule: returns the cotangent of each forward input (by position), or `undefined` for
 * inputs that get none (not needed, not differentiable, or zero).
 */
export type GradientRule = (ctx: GradContext) => (string | undefined)[];

/** Everything `makeGradContext` needs about the forward graph. */
export interface ForwardFacts {
  readonly b: GraphBuilder;
  readonly opset: number;
  readonly types: ReadonlyMap<string, TensorType>;
  readonly constants: ReadonlyMap<string, FoldedValues>;
}

/** Builds the context for one node from the forward facts and the cotangents known so far. */
export function makeGradContext(
  node: Node,
  facts: ForwardFacts,
  cotangentOf: (output: string) => string | undefined,
  needsInput: (i: number) => boolean,
): GradContext {
  const { b } = facts;
  const fail = (message: string): never => {
    // What a rule refuses is a feature of the model's node (an attribute, a mode), not a bug.
    throw new GradientError(`${node.opType} node '${node.name}': ${message}`, 'invalid-argument');
  };
  const type = (value: string): TensorType => facts.types.get(value) ?? fail(`no static type for value '${value}'`);
  const constant = (value: string) => facts.constants.get(value);
  return {
    node,
    b,
    opset: facts.opset,
    input: (i) => node.inputs[i] ?? '',
    output: (i) => node.outputs[i] ?? fail(`has no output ${i}`),
    type,
    constant,
    requireConstant: (value, what) => constant(value) ?? fail(`${what} must be static to differentiate`),
    dy: (i) => {
      const out = node.outputs[i];
      return out === undefined || out === '' ? undefined : cotangentOf(out);
    },
    needs: (i) => (node.inputs[i] ?? '') !== '' && needsInput(i),
    scalar: (value, dtype) => b.constant(createTensor(dtype, [], [value])),
    zeros: (t) => zerosOf(b, t),
    unbroadcast: (grad, from, toShape) => unbroadcast(b, grad, from, toShape),
    attrInt: (name, fallback) => attrInt(node, name, fallback),
    attrFloat: (name, fallback) => attrFloat(node, name, fallback),
    attrInts: (name) => attrInts(node, name),
    attrString: (name, fallback) => attrString(node, name, fallback),
    fail,
  };
}

/**
 * Reduces a gradient of shape `from` to `to` where `to` was broadcast to `from`: sums over the
 * leading dims `to` lacks and over dims where `to` has 1, then reshapes.
 */
export function unbroadcast(b: GraphBuilder, grad: string, from: readonly number[], to: readonly number[]): string {
  if (from.length === to.length && from.every((d, i) => d === to[i])) return grad;
  const lead = from.length - to.length;
  const axes: number[] = [];
  for (let i = 0; i < from.length; i++) {
    if (i < lead || (to[i - lead] === 1 && from[i] !== 1)) axes.push(i);
  }
  const summed = axes.length > 0 ? b.reduceSum(grad, axes, true) : grad;
  return b.reshape(summed, [...to]);
}

/** Zeros of a static type, as ConstantOfShape so no large constant is stored in the graph. */
export function zerosOf(b: GraphBuilder, t: TensorType): string {
  return b.op('ConstantOfShape', [b.ints(t.shape)], { value: Attr.tensor(createTensor(t.dtype, [1], [0])) });
}
