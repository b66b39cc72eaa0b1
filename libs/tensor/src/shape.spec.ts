import { describe, expect, it } from 'vitest';
import { checkShape, formatShape, shapesEqual, sizeOf, stridesOf, unravelIndex } from './shape.js';
import { tensorErrorOf as errorOf } from './test-helpers.test-util.js';

describe('checkShape', () => {
  it('returns a frozen copy of a valid shape', () => {
    const input = [2, 3];
    const out = checkShape(input);
    expect(out).toEqual([2, 3]);
    expect(Object.isFrozen(out)).toBe(true);
    input[0] = 9;
    expect(out[0]).toBe(2);
  });

  it('accepts scalars and zero dims, normalising -0', () => {
    expect(checkShape([])).toEqual([]);
    expect(checkShape([0, 4])).toEqual([0, 4]);
    expect(Object.is(checkShape([-0])[0], 0)).toBe(true);
  });

  it('reports every negative or non-integer dim at once', () => {
    const e = errorOf(() => checkShape([2, -1, 1.5, Number.NaN], 'weights'));
    expect(e.code).toBe('INVALID_SHAPE');
    expect(e.message).toBe(
      'weights shape [2, -1, 1.5, NaN] is invalid: dim 1 is -1, dim 2 is 1.5, dim 3 is NaN; every dimension must be a non-negative integer',
    );
  });

  it('rejects non-number dims and non-arrays', () => {
    expect(errorOf(() => checkShape(['2'])).message).toContain('dim 0 is the string "2"');
    expect(errorOf(() => checkShape([Infinity])).message).toContain('dim 0 is Infinity');
    const e = errorOf(() => checkShape(undefined));
    expect(e.code).toBe('INVALID_SHAPE');
    expect(e.message).toBe('tensor shape must be an array of dimension sizes, got undefined');
  });

  it('rejects shapes whose size is not a safe integer', () => {
    const e = errorOf(() => checkShape([2 ** 30, 2 ** 30]));
    expect(e.code).toBe('INVALID_SHAPE');
    expect(e.message).toContain('has more elements than 9007199254740991');
  });
});

describe('shape helpers', () => {
  it('sizeOf multiplies dims', () => {
    expect(sizeOf([2, 3, 4])).toBe(24);
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([3, 0])).toBe(0);
    expect(errorOf(() => sizeOf([-2])).code).toBe('INVALID_SHAPE');
  });

  it('stridesOf is row-major', () => {
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
    expect(stridesOf([])).toEqual([]);
    expect(stridesOf([5])).toEqual([1]);
    expect(stridesOf([2, 0, 3])).toEqual([0, 3, 1]);
  });

  it('shapesEqual compares rank and dims', () => {
    expect(shapesEqual([2, 3], [2, 3])).toBe(true);
    expect(shapesEqual([2, 3], [3, 2])).toBe(false);
    expect(shapesEqual([2], [2, 1])).toBe(false);
    expect(shapesEqual([], [])).toBe(true);
  });

  it('unravelIndex inverts row-major flattening', () => {
    const shape = [2, 3, 4];
    const strides = stridesOf(shape);
    for (let i = 0; i < 24; i++) {
      const idx = unravelIndex(i, shape);
      expect(idx.reduce((acc, v, k) => acc + v * strides[k]!, 0)).toBe(i);
    }
  });

  it('formatShape prints brackets', () => {
    expect(formatShape([2, 3])).toBe('[2, 3]');
    expect(formatShape([])).toBe('[]');
  });
});
