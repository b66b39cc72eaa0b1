import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Field } from './field.js';
import { loadOne, refusal } from './load-one.test-util.js';
import { int, num, port } from './number-fields.js';
import { ConfigSchemaError } from './config-error.js';

describe('int', () => {
  const f = int({ env: 'MNEME_BATCH', default: 32, min: 1, max: 1024, doc: 'd' });

  it('accepts plain decimal integers within the bounds', () => {
    expectTypeOf(f).toEqualTypeOf<Field<number>>();
    expect(loadOne(f, '64')).toBe(64);
    expect(loadOne(f, '+1')).toBe(1);
    expect(loadOne(f, '1024')).toBe(1024);
    expect(loadOne(f, undefined)).toBe(32);
  });

  it.each(['abc', '1.5', '0x10', '1e3', '12abc', 'Infinity'])('refuses %s naming the variable', (bad) => {
    expect(refusal(f, bad)).toContain(`MNEME_BATCH='${bad}' is not valid: expected an integer 1..1024`);
  });

  it('says which bound a value breaks', () => {
    expect(refusal(f, '0')).toContain('(below the minimum 1)');
    expect(refusal(f, '1025')).toContain('(above the maximum 1024)');
  });

  it('refuses integers that cannot be represented exactly', () => {
    expect(refusal(int({ env: 'MNEME_N', doc: 'd' }), '9007199254740993')).toContain('too large');
  });

  it('describes one-sided bounds', () => {
    expect(int({ env: 'MNEME_N', min: 0, doc: 'd' }).accepts).toBe('an integer >= 0');
    expect(int({ env: 'MNEME_N', max: 9, doc: 'd' }).accepts).toBe('an integer <= 9');
    expect(int({ env: 'MNEME_N', doc: 'd' }).accepts).toBe('an integer');
  });

  it('refuses impossible bounds and out-of-bounds defaults when built', () => {
    expect(() => int({ env: 'MNEME_N', min: 5, max: 1, doc: 'd' })).toThrow(ConfigSchemaError);
    expect(() => int({ env: 'MNEME_N', default: 0, min: 1, doc: 'd' })).toThrow(ConfigSchemaError);
  });
});

describe('num', () => {
  const f = num({ env: 'MNEME_LR', default: 0.001, min: 0, doc: 'd' });

  it('accepts decimal and exponent notation', () => {
    expect(loadOne(f, '0.5')).toBe(0.5);
    expect(loadOne(f, '.25')).toBe(0.25);
    expect(loadOne(f, '1e-3')).toBe(0.001);
    expect(loadOne(f, '3')).toBe(3);
    expect(loadOne(f, undefined)).toBe(0.001);
  });

  it.each(['abc', '1,5', 'NaN', 'Infinity', '0x1', '1e999'])('refuses %s naming the variable', (bad) => {
    expect(refusal(f, bad)).toContain(`MNEME_LR='${bad}' is not valid: expected a number >= 0`);
  });

  it('applies bounds', () => {
    expect(refusal(f, '-0.1')).toContain('below the minimum 0');
  });
});

describe('port', () => {
  const f = port({ env: 'MNEME_GRPC_PORT', default: 50051, doc: 'd' });

  it('accepts 1..65535', () => {
    expect(loadOne(f, '1')).toBe(1);
    expect(loadOne(f, '65535')).toBe(65535);
    expect(loadOne(f, undefined)).toBe(50051);
  });

  it.each(['abc', '0', '65536', '-1', '80.5'])('refuses %s with the exact message', (bad) => {
    expect(refusal(f, bad)).toContain(`MNEME_GRPC_PORT='${bad}' is not valid: expected an integer port 1..65535`);
  });

  it('is optional without a default', () => {
    const optional = port({ env: 'MNEME_METRICS_PORT', doc: 'd' });
    expectTypeOf(optional).toEqualTypeOf<Field<number | undefined>>();
    expect(loadOne(optional, undefined)).toBeUndefined();
  });
});
