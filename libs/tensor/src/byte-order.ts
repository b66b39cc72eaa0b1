// The wire format is little-endian. x86 and ARM Node builds are little-endian, so the normal path
// is a plain byte copy; on a big-endian host (s390x, some PowerPC) bytes are swapped per element.

/** True when this host stores multi-byte numbers little-endian; computed once at load. */
export const HOST_IS_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Reverses the byte order of each `width`-byte element of `bytes`, in place.
 * A no-op for width 1. `bytes.length` must be a multiple of `width`.
 */
export function swapBytesInPlace(bytes: Uint8Array, width: number): void {
  if (width <= 1) return;
  for (let start = 0; start < bytes.length; start += width) {
    for (let lo = start, hi = start + width - 1; lo < hi; lo++, hi--) {
      const tmp = bytes[lo] ?? 0;
      bytes[lo] = bytes[hi] ?? 0;
      bytes[hi] = tmp;
    }
  }
}
