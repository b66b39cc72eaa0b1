import { ConfigSchemaError } from './config-error.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { accept, field, reject, type Field } from './field.js';
import { loadOne, refusal } from './load-one.test-util.js';

const even = {
  accepts: 'an even integer',
  parse: (raw: string) => (/^\d+$/.test(raw) && Number(raw) % 2 === 0 ? accept(Number(raw)) : reject('odd or not a number')),
};

describe('field', () => {
  it('builds a custom kind whose default round-trips through its parser', () => {
    const f = field({ env: 'MNEME_EVEN', doc: 'An even number.', default: 4, ...even });
    expectTypeOf(f).toEqualTypeOf<Field<number>>();
    expect(f.defaultValue).toBe(4);
    expect(f.defaultText).toBe('4');
    expect(loadOne(f, undefined)).toBe(4);
    expect(loadOne(f, '8')).toBe(8);
    expect(refusal(f, '3')).toContain("MNEME_EVEN='3' is not valid: expected an even integer (odd or not a number)");
  });

  it('types a field without default as optional', () => {
    const f = field({ env: 'MNEME_EVEN', doc: 'An even number.', ...even });
    expectTypeOf(f).toEqualTypeOf<Field<number | undefined>>();
    expect(f.defaultValue).toBeUndefined();
    expect(f.defaultText).toBeUndefined();
    expect(loadOne(f, undefined)).toBeUndefined();
  });

  it('refuses a default its own parser refuses, when the schema is built', () => {
    expect(() => field({ env: 'MNEME_EVEN', doc: 'd', default: 3, ...even })).toThrow(
      new ConfigSchemaError("config field MNEME_EVEN: default '3' is not an even integer"),
    );
  });

  it('refuses variable names that are not upper-case POSIX names', () => {
    expect(() => field({ env: 'mneme_port', doc: 'd', ...even })).toThrow(ConfigSchemaError);
    expect(() => field({ env: 'MNEME-PORT', doc: 'd', ...even })).toThrow(ConfigSchemaError);
    expect(() => field({ env: '', doc: 'd', ...even })).toThrow(ConfigSchemaError);
  });
});
