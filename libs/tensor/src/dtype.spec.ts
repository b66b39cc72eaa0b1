import { describe, expect, it } from 'vitest';
import { BYTES_PER_ELEMENT, DTYPES, TYPED_ARRAY_CONSTRUCTORS, isDType, isFloatDType } from './dtype.js';

describe('dtype tables', () => {
  it('lists the eight dtypes', () => {
    expect([...DTYPES].sort()).toEqual(['bool', 'float16', 'float32', 'float64', 'int32', 'int64', 'int8', 'uint8']);
  });

  it('agrees with each TypedArray on byte width', () => {
    for (const d of DTYPES) expect(BYTES_PER_ELEMENT[d], d).toBe(TYPED_ARRAY_CONSTRUCTORS[d].BYTES_PER_ELEMENT);
  });

  it('maps int64 to BigInt64Array, bool to Uint8Array and float16 to Uint16Array', () => {
    expect(TYPED_ARRAY_CONSTRUCTORS.int64).toBe(BigInt64Array);
    expect(TYPED_ARRAY_CONSTRUCTORS.bool).toBe(Uint8Array);
    expect(TYPED_ARRAY_CONSTRUCTORS.float16).toBe(Uint16Array);
  });

  it('freezes the tables', () => {
    expect(Object.isFrozen(BYTES_PER_ELEMENT)).toBe(true);
    expect(Object.isFrozen(TYPED_ARRAY_CONSTRUCTORS)).toBe(true);
    expect(Object.isFrozen(DTYPES)).toBe(true);
  });

  it('recognises dtype names and nothing else', () => {
    expect(isDType('float32')).toBe(true);
    expect(isDType('float')).toBe(false);
    expect(isDType('toString')).toBe(false);
    expect(isDType(1)).toBe(false);
  });

  it('classifies float dtypes', () => {
    expect(DTYPES.filter(isFloatDType).sort()).toEqual(['float16', 'float32', 'float64']);
  });
});
