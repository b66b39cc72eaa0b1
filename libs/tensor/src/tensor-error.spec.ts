import { describe, expect, it } from 'vitest';
import { TensorError } from './tensor-error.js';

describe('TensorError', () => {
  it('is an Error with a name, a code and a cause', () => {
    const cause = new Error('root');
    const e = new TensorError('NON_FINITE', 'x has NaN', { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('TensorError');
    expect(e.code).toBe('NON_FINITE');
    expect(e.message).toBe('x has NaN');
    expect(e.cause).toBe(cause);
    expect(String(e)).toBe('TensorError: x has NaN');
  });
});
