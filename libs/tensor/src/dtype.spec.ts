import { describe, expect, it } from 'vitest';
import { BYTES_PER_ELEMENT, DTYPES, TYPED_ARRAY_CONSTRUCTORS, isBigIntDType, isDType, isFloatDType } from './dtype.js';

describe('dtype tables', () => {
  it('lists the twelve dtypes, the eight wire ones first', () => {
    expect(DTYPES.slice(0, 8)).toEqual(['float32', 'float64', 'int32', 'int64', 'uint8', 'bool', 'int8', 'float16']);
    expect(DTYPES.slice(8)).toEqual(['uint16', 'int16', 'uint32', 'uint64']);
  });

  it('agrees with each TypedArray on byte width', () => {
    for (const d of DTYPES) expect(BYTES_PER_ELEMENT[d], d).toBe(TYPED_ARRAY_CONSTRUCTORS[d].BYTES_PER_ELEMENT);
  });

  it('maps int64 to BigInt64Array, bool to Uint8Array and float16 to Uint16Array', () => {
    expect(TYPED_ARRAY_CONSTRUCTORS.int64).toBe(BigInt64Array);
    expect(TYPED_ARRAY_CONSTRUCTORS.bool).toBe(Uint8Array);
    expect(TYPED_ARRAY_CONSTRUCTORS.float16).toBe(Uint16Array);
    expect(TYPED_ARRAY_CONSTRUCTORS.uint64).toBe(BigUint64Array);
  });

  it('classifies bigint dtypes', () => {
    expect(DTYPES.filter(isBigIntDType).sort()).toEqual(['int64', 'uint64']);
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
