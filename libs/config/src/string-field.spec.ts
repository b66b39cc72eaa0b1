import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Field } from './field.js';
import { loadOne } from './load-one.test-util.js';
import { str } from './string-field.js';

describe('str', () => {
  it('takes the trimmed text, or the default when unset or blank', () => {
    const f = str({ env: 'MNEME_HOST', default: '127.0.0.1', doc: 'd' });
    expectTypeOf(f).toEqualTypeOf<Field<string>>();
    expect(loadOne(f, ' 0.0.0.0 ')).toBe('0.0.0.0');
    expect(loadOne(f, undefined)).toBe('127.0.0.1');
    expect(loadOne(f, '   ')).toBe('127.0.0.1');
  });

  it('is optional without a default', () => {
    const f = str({ env: 'MNEME_HOST', doc: 'd' });
    expectTypeOf(f).toEqualTypeOf<Field<string | undefined>>();
    expect(loadOne(f, undefined)).toBeUndefined();
    expect(loadOne(f, 'x')).toBe('x');
  });
});
