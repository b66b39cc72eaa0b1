import { describe, expect, expectTypeOf, it } from 'vitest';
import { bool } from './bool-field.js';
import { type Field } from './field.js';
import { loadOne, refusal } from './load-one.test-util.js';

describe('bool', () => {
  const f = bool({ env: 'MNEME_TLS', default: false, doc: 'd' });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['Yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['NO', false],
  ])('reads %s as %s', (raw, expected) => {
    expect(loadOne(f, raw)).toBe(expected);
  });

  it('defaults when unset and is optional without a default', () => {
    expectTypeOf(f).toEqualTypeOf<Field<boolean>>();
    expect(loadOne(f, undefined)).toBe(false);
    expect(loadOne(bool({ env: 'MNEME_TLS', default: true, doc: 'd' }), undefined)).toBe(true);
    expect(loadOne(bool({ env: 'MNEME_TLS', doc: 'd' }), undefined)).toBeUndefined();
  });

  it.each(['ture', 'on', '2', 'y', 'constructor'])('refuses %s naming the variable', (bad) => {
    expect(refusal(f, bad)).toContain(`MNEME_TLS='${bad}' is not valid: expected one of true, false, 1, 0, yes, no`);
  });
});
