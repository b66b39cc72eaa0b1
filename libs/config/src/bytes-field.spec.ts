import { ConfigSchemaError } from './config-error.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { bytes } from './bytes-field.js';
import { type Field } from './field.js';
import { loadOne, refusal } from './load-one.test-util.js';

describe('bytes', () => {
  const f = bytes({ env: 'MNEME_MAX_BYTES', default: '64MiB', doc: 'd' });

  it.each([
    ['4MiB', 4 * 2 ** 20],
    ['512KiB', 512 * 2 ** 10],
    ['1GiB', 2 ** 30],
    ['2TiB', 2 * 2 ** 40],
    ['100B', 100],
    ['1024', 1024],
    ['1.5KiB', 1536],
    ['4mib', 4 * 2 ** 20],
  ])('reads %s as %i bytes', (raw, expected) => {
    expect(loadOne(f, raw)).toBe(expected);
  });

  it('applies and shows its default', () => {
    expectTypeOf(f).toEqualTypeOf<Field<number>>();
    expect(loadOne(f, undefined)).toBe(64 * 2 ** 20);
    expect(f.defaultText).toBe('64MiB');
    expect(bytes({ env: 'MNEME_MAX_BYTES', default: 1000, doc: 'd' }).defaultText).toBe('1000B');
  });

  it.each(['abc', '-1', '4 MiBs', '0.5B', 'MiB'])('refuses %s naming the variable', (bad) => {
    expect(refusal(f, bad)).toContain(`MNEME_MAX_BYTES='${bad}' is not valid: expected a size such as 512KiB, 4MiB, 1GiB or integer bytes`);
  });

  it('refuses decimal units as ambiguous', () => {
    expect(refusal(f, '64MB')).toContain("('MB' is ambiguous; use KiB, MiB, GiB or TiB)");
  });

  it('applies bounds', () => {
    const bounded = bytes({ env: 'MNEME_MAX_BYTES', min: '1KiB', max: '1MiB', doc: 'd' });
    expect(bounded.accepts).toMatch(/ 1KiB\.\.1MiB$/);
    expect(refusal(bounded, '1000')).toContain('below the minimum 1KiB');
    expect(refusal(bounded, '2MiB')).toContain('above the maximum 1MiB');
    expect(() => bytes({ env: 'MNEME_MAX_BYTES', default: '2MiB', max: '1MiB', doc: 'd' })).toThrow(ConfigSchemaError);
  });
});
