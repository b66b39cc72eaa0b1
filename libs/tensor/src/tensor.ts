import { DTYPES, type DataTypeMap, type DType, isDType, TYPED_ARRAY_CONSTRUCTORS } from './dtype.js';
import { ELEMENT_CODECS, type ElementTypeMap, type NestedArray } from './element.js';
import { checkShape, formatShape, type Shape } from './shape.js';
import { TensorError } from './tensor-error.js';

/**
 * A dense n-d array of one dtype, row-major. Made only through the factories below, which check
 * that dtype, shape and data agree; the object and its shape are frozen, the data is not (typed
 * arrays cannot be frozen), so treat it as owned by whoever made the tensor.
 */
export interface Tensor<D extends DType = DType> {
  /** Element type. */
  readonly dtype: D;
  /** Dimension sizes, outermost first; `[]` for a scalar. */
  readonly shape: Shape;
  /** The elements in row-major order; `data.length === size`. */
  readonly data: DataTypeMap[D];
  /** Number of elements: the product of `shape` (1 for a scalar). */
  readonly size: number;
}

/** A tensor of some dtype, as a union over dtypes so `switch (t.dtype)` narrows `t.data`. */
export type AnyTensor = { [D in DType]: Tensor<D> }[DType];

/**
 * Wraps existing data as a tensor (no copy: the tensor shares `data`).
 *
 * @param dtype element type; `data` must be its TypedArray (see `DataTypeMap`)
 * @param shape dims; `data.length` must equal their product
 * @param data the elements in row-major order; bool data must hold only 0 and 1
 * @throws TensorError `INVALID_DTYPE`, `INVALID_SHAPE`, `SIZE_MISMATCH` or `INVALID_VALUE`
 */
export function tensor<D extends DType>(dtype: D, shape: Shape, data: DataTypeMap[D]): Tensor<D> {
  const ctor = constructorOf(dtype);
  const checked = checkShape(shape);
  const size = checked.reduce((acc, d) => acc * d, 1);
  // Structural typing lets a Float64Array through where a Float32Array is declared via unions and
  // casts; the runtime check keeps `data` honest for the wire and ORT.
  if (!(data instanceof ctor)) {
    throw new TensorError('INVALID_DTYPE', `${dtype} tensor needs a ${ctor.name} for its data, got ${nameOf(data)}`);
  }
  if (data.length !== size) {
    throw new TensorError('SIZE_MISMATCH', `tensor data has ${data.length} elements but shape ${formatShape(checked)} needs ${size}`);
  }
  if (dtype === 'bool') checkBool(data as Uint8Array, 'tensor');
  return Object.freeze({ dtype, shape: checked, data, size });
}

/**
 * A tensor of zeros (`false` for bool, `0n` for int64).
 *
 * @throws TensorError `INVALID_DTYPE` or `INVALID_SHAPE`
 */
export function zeros<D extends DType>(dtype: D, shape: Shape): Tensor<D> {
  const checked = checkShape(shape);
  return tensor(dtype, checked, new (constructorOf(dtype))(checked.reduce((acc, d) => acc * d, 1)));
}

/**
 * A rank-0 tensor holding one value.
 *
 * @throws TensorError `INVALID_DTYPE` or `INVALID_VALUE` (see {@link fromArray})
 */
export function scalar<D extends DType>(dtype: D, value: ElementTypeMap[D]): Tensor<D> {
  return fromArray(dtype, value, []);
}

/**
 * Copies JavaScript values into a new tensor. The shape is read from the nesting of `values`
 * (which must be rectangular), or given explicitly, in which case `values` may be flat or nested
 * and only the element count must match. Values are checked, never wrapped or truncated: 256 is
 * not a uint8, 1.5 is not an int32, 2 is not a bool. float16 values are rounded to nearest.
 *
 * @param dtype element type
 * @param values a value or nested array of values (see `ElementTypeMap` for what each dtype accepts)
 * @param shape optional explicit shape
 * @throws TensorError `INVALID_DTYPE`, `INVALID_SHAPE`, `SIZE_MISMATCH` or `INVALID_VALUE`
 */
export function fromArray<D extends DType>(dtype: D, values: NestedArray<ElementTypeMap[D]>, shape?: Shape): Tensor<D> {
  const ctor = constructorOf(dtype);
  const nestedShape = inferShape(values);
  const flat: unknown[] = [];
  flatten(values, nestedShape, 0, [], flat);
  const finalShape = shape === undefined ? nestedShape : checkShape(shape);
  const size = finalShape.reduce((acc, d) => acc * d, 1);
  if (flat.length !== size) {
    throw new TensorError('SIZE_MISMATCH', `fromArray got ${flat.length} values but shape ${formatShape(finalShape)} needs ${size}`);
  }
  const codec = ELEMENT_CODECS[dtype];
  const data = new ctor(size);
  const store = data as unknown as (number | bigint)[];
  flat.forEach((value, i) => {
    const encoded = codec.encode(value);
    if (encoded === undefined) {
      throw new TensorError('INVALID_VALUE', `fromArray value ${i} is ${describeValue(value)}, but ${dtype} needs ${codec.expects}`);
    }
    store[i] = encoded;
  });
  return tensor(dtype, finalShape, data);
}

/**
 * The same data viewed with another shape of the same size (no copy: the result shares `data`).
 *
 * @throws TensorError `INVALID_SHAPE` or `SIZE_MISMATCH`
 */
export function reshape<D extends DType>(t: Tensor<D>, shape: Shape): Tensor<D> {
  const checked = checkShape(shape);
  const size = checked.reduce((acc, d) => acc * d, 1);
  if (size !== t.size) {
    throw new TensorError(
      'SIZE_MISMATCH',
      `cannot reshape ${formatShape(t.shape)} (${t.size} elements) to ${formatShape(checked)} (${size} elements)`,
    );
  }
  return tensor(t.dtype, checked, t.data);
}

/** Throws `INVALID_VALUE` when bool data holds anything but 0 and 1; shared with the wire decoder. */
export function checkBool(data: Uint8Array, what: string): void {
  const index = data.findIndex((b) => b > 1);
  if (index >= 0) {
    const count = data.reduce((acc, b) => acc + (b > 1 ? 1 : 0), 0);
    throw new TensorError(
      'INVALID_VALUE',
      `${what} is bool but holds ${count} value(s) other than 0 or 1 (first: ${data[index]} at index ${index})`,
    );
  }
}

function constructorOf<D extends DType>(dtype: D): (typeof TYPED_ARRAY_CONSTRUCTORS)[D] {
  if (!isDType(dtype)) {
    throw new TensorError('INVALID_DTYPE', `unknown dtype ${describeValue(dtype)}; expected one of ${DTYPES.join(', ')}`);
  }
  return TYPED_ARRAY_CONSTRUCTORS[dtype];
}

/** Shape from the nesting of the first element at each depth; `flatten` then checks the rest. */
function inferShape(values: unknown): Shape {
  const shape: number[] = [];
  let current = values;
  while (Array.isArray(current)) {
    shape.push(current.length);
    current = current[0];
  }
  return checkShape(shape);
}

function flatten(values: unknown, shape: Shape, depth: number, at: number[], out: unknown[]): void {
  const expected = shape[depth];
  if (expected === undefined) {
    if (Array.isArray(values)) {
      throw new TensorError('INVALID_SHAPE', `fromArray values are ragged: ${where(at)} is an array, expected a value`);
    }
    out.push(values);
    return;
  }
  if (!Array.isArray(values) || values.length !== expected) {
    const got = Array.isArray(values) ? `has length ${values.length}` : `is ${describeValue(values)}`;
    throw new TensorError('INVALID_SHAPE', `fromArray values are ragged: ${where(at)} ${got}, expected an array of length ${expected}`);
  }
  values.forEach((v: unknown, i) => flatten(v, shape, depth + 1, [...at, i], out));
}

function where(at: number[]): string {
  return at.length === 0 ? 'the top level' : `element ${formatShape(at)}`;
}

function nameOf(value: unknown): string {
  if (value === null || typeof value !== 'object') return describeValue(value);
  // "[object Float64Array]" -> "Float64Array"; safe even for objects without a constructor.
  return Object.prototype.toString.call(value).slice(8, -1);
}

function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return String(value);
    default:
      return value === null ? 'null' : `a ${typeof value}`;
  }
}
