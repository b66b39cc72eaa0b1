import { describe, expect, it } from 'vitest';
import { editDistance, findUnknownVariables } from './unknown-variables.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', 'abc', 0],
    ['abc', '', 3],
    ['GRCP', 'GRPC', 1],
    ['kitten', 'sitting', 3],
    ['PORT', 'PRT', 1],
  ])('%s -> %s is %i', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
    expect(editDistance(b, a)).toBe(expected);
  });
});

describe('findUnknownVariables', () => {
  const known = new Set(['MNEME_GRPC_PORT', 'MNEME_GRPC_HOST', 'MNEME_LOG_LEVEL']);

  it('reports unknown variables with the prefix, sorted, suggesting the nearest known name', () => {
    const warnings = findUnknownVariables(
      { MNEME_GRCP_PORT: '1', MNEME_LOGLEVEL: 'debug', MNEME_SOMETHING_ELSE: 'x', MNEME_GRPC_PORT: '2', PATH: '/bin' },
      'MNEME_',
      known,
    );
    expect(warnings).toEqual([
      {
        variable: 'MNEME_GRCP_PORT',
        suggestion: 'MNEME_GRPC_PORT',
        message: 'MNEME_GRCP_PORT is set but is not a known variable and is ignored; did you mean MNEME_GRPC_PORT?',
      },
      {
        variable: 'MNEME_LOGLEVEL',
        suggestion: 'MNEME_LOG_LEVEL',
        message: 'MNEME_LOGLEVEL is set but is not a known variable and is ignored; did you mean MNEME_LOG_LEVEL?',
      },
      {
        variable: 'MNEME_SOMETHING_ELSE',
        message: 'MNEME_SOMETHING_ELSE is set but is not a known variable and is ignored',
      },
    ]);
  });

  it('ignores other prefixes and variables whose value is undefined', () => {
    expect(findUnknownVariables({ OTHER_GRCP_PORT: '1', MNEME_X: undefined }, 'MNEME_', known)).toEqual([]);
  });
});
