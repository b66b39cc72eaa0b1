import { InvalidArgumentError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { cliEngineOptions } from './engine-options.js';

describe('cliEngineOptions', () => {
  it('turns spinning off and passes --threads through', () => {
    expect(cliEngineOptions(undefined)).toEqual({ allowSpinning: false });
    expect(cliEngineOptions('2')).toEqual({ intraOpNumThreads: 2, allowSpinning: false });
  });

  it('refuses a --threads that is not a positive integer, naming the flag', () => {
    for (const bad of ['0', '-2', '1.5', 'all']) {
      expect(() => cliEngineOptions(bad)).toThrow(InvalidArgumentError);
      expect(() => cliEngineOptions(bad)).toThrow(`--threads must be a positive integer, got '${bad}'`);
    }
  });
});
