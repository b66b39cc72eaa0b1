import { TensorError } from './tensor-error.js';

/** Dimension sizes, outermost first; `[]` is a scalar. */
export type Shape = readonly number[];

/** Formats a shape for error messages: `[2, 3]`, `[]` for a scalar. */
export function formatShape(shape: readonly unknown[]): string {
  return `[${shape.map((d) => String(d)).join(', ')}]`;
}

/**
 * Validates a shape and returns a frozen copy, so later mutation of the caller's array cannot
 * change a tensor. Every dimension must be a non-negative safe integer and the element count must
 * be a safe integer; all bad dimensions are reported at once.
 *
 * @param shape the candidate shape (may come from untrusted input)
 * @param what names the tensor in the error message
 * @throws TensorError `INVALID_SHAPE`
 */
export function checkShape(shape: unknown, what = 'tensor'): Shape {
  if (!Array.isArray(shape)) {
    throw new TensorError('INVALID_SHAPE', `${what} shape must be an array of dimension sizes, got ${typeof shape}`);
  }
  const dims: unknown[] = shape;
  const bad = dims.flatMap((d, i) => (typeof d === 'number' && Number.isSafeInteger(d) && d >= 0 ? [] : [`dim ${i} is ${describe(d)}`]));
  if (bad.length > 0) {
    throw new TensorError(
      'INVALID_SHAPE',
      `${what} shape ${formatShape(dims)} is invalid: ${bad.join(', ')}; every dimension must be a non-negative integer`,
    );
  }
  // `|| 0` turns -0 into 0 so shapes compare and print plainly.
  const checked = Object.freeze((dims as number[]).map((d) => d || 0));
  // Dims that are each safe can still multiply past 2^53, where sizes stop being exact.
  if (!Number.isSafeInteger(product(checked))) {
    throw new TensorError('INVALID_SHAPE', `${what} shape ${formatShape(checked)} has more elements than ${Number.MAX_SAFE_INTEGER}`);
  }
  return checked;
}

/**
 * Number of elements of a shape: the product of its dims, 1 for a scalar, 0 if any dim is 0.
 *
 * @throws TensorError `INVALID_SHAPE` when the shape is invalid (see {@link checkShape})
 */
export function sizeOf(shape: Shape): number {
  return product(checkShape(shape));
}

/**
 * Row-major element strides: `stridesOf([2, 3, 4])` is `[12, 4, 1]`; a scalar has `[]`.
 *
 * @throws TensorError `INVALID_SHAPE` when the shape is invalid
 */
export function stridesOf(shape: Shape): number[] {
  const checked = checkShape(shape);
  const strides = new Array<number>(checked.length);
  let stride = 1;
  for (let i = checked.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= checked[i] ?? 1;
  }
  return strides;
}

/** True when both shapes have the same rank and the same dims. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The multi-index of flat (row-major) position `index` in `shape`, for error messages. */
export function unravelIndex(index: number, shape: Shape): number[] {
  const out = new Array<number>(shape.length);
  let rest = index;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i] ?? 1;
    out[i] = rest % d;
    rest = Math.floor(rest / d);
  }
  return out;
}

function product(shape: Shape): number {
  return shape.reduce((acc, d) => acc * d, 1);
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `a ${typeof value}`;
}
