import { HOST_IS_LITTLE_ENDIAN } from './byte-order.js';
import { TensorError } from './tensor-error.js';

/**
 * int64 copies of int32 values (labels, token ids) without a BigInt per element: each value is
 * written as two 32-bit words through an Int32Array over the result's buffer, the low word the value
 * and the high word its sign extension. On a big-endian host the words swap places.
 *
 * @param values integers in the int32 range (an Int32Array, or plain numbers which are checked)
 * @throws TensorError `INVALID_VALUE` naming the first value that is not an int32 integer
 */
export function int64FromInt32(values: Int32Array | ArrayLike<number>): BigInt64Array {
  const n = values.length;
  if (!(values instanceof Int32Array)) {
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
        throw new TensorError(
          'INVALID_VALUE',
          `value ${v} at index ${i} is not an int32 integer; int64FromInt32 takes integers in [-2^31, 2^31)`,
        );
      }
    }
  }
  const out = new BigInt64Array(n);
  const words = new Int32Array(out.buffer);
  const [low, high] = HOST_IS_LITTLE_ENDIAN ? [0, 1] : [1, 0];
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    words[2 * i + low] = v;
    words[2 * i + high] = v < 0 ? -1 : 0;
  }
  return out;
}
