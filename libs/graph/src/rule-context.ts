/** Types shared by the shape-inference engine and the per-op rules. */
import { type DType } from '@mneme/tensor';
import { type Node } from './ir.js';

/** A fully static tensor type: element type and concrete dimensions. */
export interface TensorType {
  /** Element type. */
  dtype: DType;
  /** Concrete dimensions; `[]` is a scalar. */
  shape: number[];
}

/** Elements of a statically known (folded) value, as numbers in row-major order. */
export type FoldedValues = number[];

/** What a rule sees of the node it types. */
export interface RuleContext {
  /** The node being typed. */
  readonly node: Node;
  /** Default-domain opset version of the model. */
  readonly opset: number;
  /** Number of input slots, including omitted (`''`) ones. */
  readonly inputCount: number;
  /** Number of output slots, including omitted (`''`) ones. */
  readonly outputCount: number;
  /** Type of input `i`; fails when it is omitted. */
  input(i: number): TensorType;
  /** Type of input `i`, or `undefined` when omitted or beyond the inputs given. */
  optionalInput(i: number): TensorType | undefined;
  /** Statically known elements of input `i`, if constant folding could compute them. */
  constant(i: number): FoldedValues | undefined;
  /** Elements of input `i`, failing with a message that `what` must be static when unknown. */
  requireConstant(i: number, what: string): FoldedValues;
  /** Throws a `ShapeInferenceError` for this node. */
  fail(message: string): never;
}

/** Shape/dtype rule of one op, with optional constant folding for small static values. */
export interface OpRule {
  /** Types of the node's outputs, by position (omitted trailing outputs may be left out). */
  readonly infer: (ctx: RuleContext) => TensorType[];
  /**
   * Elements of the outputs when computable statically (only called for small outputs); `undefined`
   * entries, or an `undefined` result, mean unknown. Used to resolve shape-carrying values such as
   * Shape → Gather → Concat → Reshape chains.
   */
  readonly fold?: ((ctx: RuleContext, outputs: readonly TensorType[]) => (FoldedValues | undefined)[] | undefined) | undefined;
}
