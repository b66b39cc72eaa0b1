import { isFloatDType } from './dtype.js';
import { float16ToNumber } from './float16.js';
import { formatShape, unravelIndex } from './shape.js';
import { type Tensor } from './tensor.js';
import { TensorError } from './tensor-error.js';

/** float16 bits whose exponent is all ones are ±Infinity or NaN. */
const FLOAT16_EXPONENT_MASK = 0x7c00;

/**
 * Throws when a float tensor holds NaN or ±Infinity, naming the first offender (flat and
 * multi-index) and how many there are, so a diverging loss or a corrupt upload is caught at the
 * boundary rather than steps later. Integer and bool tensors always pass.
 *
 * @param t the tensor to check
 * @param what names the tensor in the message, e.g. `'gradient of fc1.weight'` (default `'tensor'`)
 * @throws TensorError `NON_FINITE`
 */
export function assertFinite(t: Tensor, what = 'tensor'): void {
  if (!isFloatDType(t.dtype)) return;
  const values = t.data as Float32Array | Float64Array | Uint16Array;
  const isHalf = t.dtype === 'float16';
  let first = -1;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    const bad = isHalf ? (v & FLOAT16_EXPONENT_MASK) === FLOAT16_EXPONENT_MASK : !Number.isFinite(v);
    if (bad) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (count === 0) return;
  const raw = values[first] ?? 0;
  const value = isHalf ? float16ToNumber(raw) : raw;
  const location = t.shape.length > 1 ? ` = ${formatShape(unravelIndex(first, t.shape))}` : '';
  throw new TensorError(
    'NON_FINITE',
    `${what} (${t.dtype} ${formatShape(t.shape)}) has ${count} non-finite value(s), first ${value} at index ${first}${location}; only finite numbers are allowed here`,
  );
}
