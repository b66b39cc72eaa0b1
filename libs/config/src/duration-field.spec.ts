import { describe, expect, expectTypeOf, it } from 'vitest';
import { duration } from './duration-field.js';
import { type Field } from './field.js';
import { loadOne, refusal } from './load-one.test-util.js';
import { ConfigSchemaError } from './config-error.js';

describe('duration', () => {
  const f = duration({ env: 'MNEME_GRACE', default: '10s', doc: 'd' });

  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['1.1s', 1_100],
    ['250', 250],
    ['0', 0],
    ['2 m', 120_000],
    ['30S', 30_000],
  ])('reads %s as %i ms', (raw, ms) => {
    expect(loadOne(f, raw)).toBe(ms);
  });

  it('takes its default as a string or as milliseconds and shows it in the largest exact unit', () => {
    expectTypeOf(f).toEqualTypeOf<Field<number>>();
    expect(loadOne(f, undefined)).toBe(10_000);
    expect(f.defaultText).toBe('10s');
    const fromMs = duration({ env: 'MNEME_GRACE', default: 90_000, doc: 'd' });
    expect(fromMs.defaultValue).toBe(90_000);
    expect(fromMs.defaultText).toBe('90s');
    expect(duration({ env: 'MNEME_GRACE', default: 1_500, doc: 'd' }).defaultText).toBe('1500ms');
    expect(duration({ env: 'MNEME_GRACE', default: 0, doc: 'd' }).defaultText).toBe('0ms');
  });

  it.each(['abc', '-5s', '10 seconds', '5d', '1.5', '0.5ms', 's', '1e3'])('refuses %s naming the variable', (bad) => {
    expect(refusal(f, bad)).toContain(
      `MNEME_GRACE='${bad}' is not valid: expected a duration such as 500ms, 30s, 2m, 1h or integer milliseconds`,
    );
  });

  it('names an unknown unit', () => {
    expect(refusal(f, '5d')).toContain("(unknown unit 'd')");
  });

  it('applies bounds written in duration syntax', () => {
    const bounded = duration({ env: 'MNEME_GRACE', min: '1s', max: '1m', doc: 'd' });
    expectTypeOf(bounded).toEqualTypeOf<Field<number | undefined>>();
    expect(bounded.accepts).toMatch(/ 1s\.\.1m$/);
    expect(loadOne(bounded, '60s')).toBe(60_000);
    expect(refusal(bounded, '500ms')).toContain('below the minimum 1s');
    expect(refusal(bounded, '2m')).toContain('above the maximum 1m');
  });

  it('refuses invalid defaults and bounds when built', () => {
    expect(() => duration({ env: 'MNEME_GRACE', default: '10 secs', doc: 'd' })).toThrow(ConfigSchemaError);
    expect(() => duration({ env: 'MNEME_GRACE', default: -1, doc: 'd' })).toThrow(ConfigSchemaError);
    expect(() => duration({ env: 'MNEME_GRACE', min: '1m', max: '1s', doc: 'd' })).toThrow(ConfigSchemaError);
  });
});
