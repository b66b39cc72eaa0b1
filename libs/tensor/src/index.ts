/**
 * Typed n-d tensors: a dtype -> TypedArray map, shape checks and value checks. `Tensor` is the one
 * tensor type of mneme: graph initializers and constants (libs/graph), the engine's feeds and
 * outputs, and the wire (conversion to and from the proto Tensor lives in libs/wire, so this core
 * library never sees protobuf). Every bad input raises a {@link TensorError} whose `code` says what
 * kind of problem it is and whose message says what was wrong and what was expected.
 */
export { BYTES_PER_ELEMENT, DTYPES, TYPED_ARRAY_CONSTRUCTORS, isBigIntDType, isDType, isFloatDType } from './dtype.js';
export type { DataTypeMap, DType, TypedArray, TypedArrayConstructorOf } from './dtype.js';
export type { ElementTypeMap, NestedArray } from './element.js';
export { assertFinite } from './finite.js';
export { float16ToNumber, numberToFloat16 } from './float16.js';
export { checkShape, formatShape, shapesEqual, sizeOf, stridesOf } from './shape.js';
export type { Shape } from './shape.js';
export { checkBool, fromArray, reshape, scalar, tensor, zeros } from './tensor.js';
export { int64FromInt32 } from './int64.js';
export type { AnyTensor, Tensor } from './tensor.js';
export { TensorError } from './tensor-error.js';
export type { TensorErrorCode } from './tensor-error.js';
export { HOST_IS_LITTLE_ENDIAN, swapBytesInPlace } from './byte-order.js';
export { gatherRows, scatterRows } from './row-gather.js';
