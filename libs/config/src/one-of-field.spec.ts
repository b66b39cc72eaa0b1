import { ConfigSchemaError } from './config-error.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Field } from './field.js';
import { loadOne, refusal } from './load-one.test-util.js';
import { oneOf } from './one-of-field.js';

describe('oneOf', () => {
  const f = oneOf(['auto', 'cpu', 'cuda'] as const, { env: 'MNEME_DEVICE', default: 'auto', doc: 'd' });

  it('types the value as the union of the choices', () => {
    expectTypeOf(f).toEqualTypeOf<Field<'auto' | 'cpu' | 'cuda'>>();
    expectTypeOf(oneOf(['a', 'b'], { env: 'MNEME_X', doc: 'd' })).toEqualTypeOf<Field<'a' | 'b' | undefined>>();
  });

  it('accepts each choice, any letter case, returning the canonical spelling', () => {
    expect(loadOne(f, 'cpu')).toBe('cpu');
    expect(loadOne(f, 'CUDA')).toBe('cuda');
    expect(loadOne(f, undefined)).toBe('auto');
  });

  it('prefers an exact match when choices differ only in case', () => {
    const cased = oneOf(['a', 'A'] as const, { env: 'MNEME_X', doc: 'd' });
    expect(loadOne(cased, 'A')).toBe('A');
    expect(loadOne(cased, 'a')).toBe('a');
  });

  it.each(['gpu', 'cpu,cuda', 'toString'])('refuses %s listing the choices', (bad) => {
    expect(refusal(f, bad)).toContain(`MNEME_DEVICE='${bad}' is not valid: expected one of auto, cpu, cuda`);
  });

  it('refuses an empty list of choices built at runtime', () => {
    const values = [] as unknown as readonly [string];
    expect(() => oneOf(values, { env: 'MNEME_X', doc: 'd' })).toThrow(ConfigSchemaError);
  });
});
