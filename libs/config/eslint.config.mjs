import base, { plainErrorBans } from '../../eslint.config.mjs';

// A schema mistake (two fields on one variable, a default that does not parse) throws TypeError
// when the schema module loads: a programming error, never an operator's or a caller's.
export default [
  ...base,
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.test-util.ts'],
    rules: { 'no-restricted-syntax': plainErrorBans(['TypeError']) },
  },
];
