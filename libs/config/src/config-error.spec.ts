import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from './config-error.js';

describe('formatProblem', () => {
  it('names the variable, the value and what it accepts', () => {
    expect(formatProblem({ variable: 'MNEME_GRPC_PORT', value: 'abc', accepts: 'an integer port 1..65535' })).toBe(
      "MNEME_GRPC_PORT='abc' is not valid: expected an integer port 1..65535",
    );
  });

  it('appends the detail and keeps control characters visible', () => {
    expect(formatProblem({ variable: 'X', value: 'a\nb', accepts: 'an integer', detail: 'why' })).toBe(
      "X='a\\nb' is not valid: expected an integer (why)",
    );
  });

  it('withholds sensitive values and shortens very long ones', () => {
    expect(formatProblem({ variable: 'X', value: undefined, accepts: 'y' })).toBe('X=<redacted> is not valid: expected y');
    const long = formatProblem({ variable: 'X', value: 'v'.repeat(500), accepts: 'y' });
    expect(long).toContain('…');
    expect(long.length).toBeLessThan(200);
  });
});

describe('ConfigError', () => {
  it('lists every problem and warning in its message', () => {
    const error = new ConfigError(
      [
        { variable: 'A', value: '1', accepts: 'x' },
        { variable: 'B', value: '2', accepts: 'y' },
      ],
      [{ variable: 'MNEME_C', message: 'MNEME_C is unknown' }],
    );
    expect(error.name).toBe('ConfigError');
    expect(error).toBeInstanceOf(Error);
    expect(error.message.split('\n')).toEqual([
      'Invalid configuration: 2 problems',
      "  - A='1' is not valid: expected x",
      "  - B='2' is not valid: expected y",
      'Warnings:',
      '  - MNEME_C is unknown',
    ]);
    expect(error.problems).toHaveLength(2);
  });

  it('says "1 problem" in the singular', () => {
    expect(new ConfigError([{ variable: 'A', value: '1', accepts: 'x' }]).message).toMatch(/^Invalid configuration: 1 problem\n/);
  });
});
