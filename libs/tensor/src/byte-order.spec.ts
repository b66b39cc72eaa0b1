import { describe, expect, it } from 'vitest';
import { HOST_IS_LITTLE_ENDIAN, swapBytesInPlace } from './byte-order.js';

describe('byte order', () => {
  it('detects the host byte order like os.endianness()', async () => {
    const { endianness } = await import('node:os');
    expect(HOST_IS_LITTLE_ENDIAN).toBe(endianness() === 'LE');
  });

  it('reverses each element', () => {
    const bytes = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    swapBytesInPlace(bytes, 4);
    expect([...bytes]).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
    swapBytesInPlace(bytes, 2);
    expect([...bytes]).toEqual([3, 4, 1, 2, 7, 8, 5, 6]);
  });

  it('turns little-endian bytes into big-endian ones', () => {
    const le = new Uint8Array(8);
    new DataView(le.buffer).setFloat64(0, Math.PI, true);
    swapBytesInPlace(le, 8);
    expect(new DataView(le.buffer).getFloat64(0, false)).toBe(Math.PI);
  });

  it('leaves single bytes alone', () => {
    const bytes = Uint8Array.from([1, 2, 3]);
    swapBytesInPlace(bytes, 1);
    expect([...bytes]).toEqual([1, 2, 3]);
  });
});
