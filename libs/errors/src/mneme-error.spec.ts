import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, MnemeError, NotFoundError } from './index.js';

describe('MnemeError', () => {
  it('keeps kind, name and cause', () => {
    const cause = new Error('disk');
    const err = new NotFoundError('model "m" has no version 7', { cause });
    expect(err.kind).toBe('not-found');
    expect(err.name).toBe('NotFoundError');
    expect(err.cause).toBe(cause);
    expect(err).toBeInstanceOf(MnemeError);
  });

  it('joins every invalid-argument problem into one message', () => {
    const err = new InvalidArgumentError(['inputs is empty', 'top_k must be <= 150']);
    expect(err.message).toBe('inputs is empty; top_k must be <= 150');
    expect(err.problems).toHaveLength(2);
  });

  it('normalises unknown throwables to internal errors', () => {
    expect(MnemeError.from(new TypeError('x is undefined')).kind).toBe('internal');
    expect(MnemeError.from('boom').message).toBe('boom');
    const known = new InvalidArgumentError('bad');
    expect(MnemeError.from(known)).toBe(known);
  });
});
