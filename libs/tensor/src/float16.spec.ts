import { describe, expect, it } from 'vitest';
import { float16ToNumber, numberToFloat16 } from './float16.js';

describe('float16', () => {
  it('decodes known bit patterns', () => {
    expect(float16ToNumber(0x3c00)).toBe(1);
    expect(float16ToNumber(0xc000)).toBe(-2);
    expect(float16ToNumber(0x7bff)).toBe(65504);
    expect(float16ToNumber(0x0001)).toBe(2 ** -24);
    expect(float16ToNumber(0x0400)).toBe(2 ** -14);
    expect(float16ToNumber(0x7c00)).toBe(Infinity);
    expect(float16ToNumber(0xfc00)).toBe(-Infinity);
    expect(float16ToNumber(0x7e00)).toBeNaN();
    expect(Object.is(float16ToNumber(0x8000), -0)).toBe(true);
  });

  it('round-trips every non-NaN bit pattern exactly', () => {
    for (let bits = 0; bits <= 0xffff; bits++) {
      const value = float16ToNumber(bits);
      if (Number.isNaN(value)) continue;
      if (numberToFloat16(value) !== bits)
        expect.fail(`bits 0x${bits.toString(16)} -> ${value} -> 0x${numberToFloat16(value).toString(16)}`);
    }
  });

  it('rounds to nearest, ties to even', () => {
    expect(numberToFloat16(1 + 2 ** -11)).toBe(0x3c00); // tie, even is down
    expect(numberToFloat16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, even is up
    expect(numberToFloat16(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // just above the tie
    expect(numberToFloat16(2 ** -25)).toBe(0x0000); // subnormal tie to zero
    expect(numberToFloat16(3 * 2 ** -25)).toBe(0x0002);
    expect(numberToFloat16(2 ** -14 - 2 ** -26)).toBe(0x0400); // rounds up into the normals
    expect(numberToFloat16(2047.5)).toBe(0x6800); // mantissa carry into the exponent (2048)
  });

  it('overflows to infinity at 65520 and keeps signs', () => {
    expect(numberToFloat16(65519)).toBe(0x7bff);
    expect(numberToFloat16(65520)).toBe(0x7c00);
    expect(numberToFloat16(-1e9)).toBe(0xfc00);
    expect(numberToFloat16(-0)).toBe(0x8000);
    expect(numberToFloat16(Number.NaN)).toBe(0x7e00);
    expect(numberToFloat16(1e-10)).toBe(0);
    expect(numberToFloat16(-1e-10)).toBe(0x8000);
  });
});
