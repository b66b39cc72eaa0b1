import { InvalidArgumentError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { OptionReader } from './option-reader.js';

describe('OptionReader', () => {
  it('reads typed values with defaults', () => {
    const r = new OptionReader('x', { budget: '0.5', acquisition: 'margin' });
    expect(r.number('budget', 0.2, { min: 0, exclusiveMin: true, max: 1 })).toBe(0.5);
    expect(r.number('rounds', 4, { min: 1, integer: true })).toBe(4);
    expect(r.choice('acquisition', 'entropy', ['entropy', 'margin'])).toBe('margin');
    expect(() => r.done()).not.toThrow();
  });

  it('refuses any option given to a strategy that takes none (naive, joint), saying so', () => {
    expect(() => new OptionReader('naive', { memory: '200' }).done()).toThrow("naive: unknown option 'memory'; it takes no options");
    expect(() => new OptionReader('joint', {}).done()).not.toThrow();
  });

  it('collects bad values and unknown keys, then throws once', () => {
    const r = new OptionReader('x', { budget: '0', rounds: '1.5', acquisition: 'bald', typo: '1' });
    r.number('budget', 0.2, { min: 0, exclusiveMin: true, max: 1 });
    r.number('rounds', 4, { min: 1, integer: true });
    r.choice('acquisition', 'entropy', ['entropy', 'margin']);
    try {
      r.done();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect((e as InvalidArgumentError).problems).toEqual([
        "x: option budget must be a number in (0, 1], got '0'",
        "x: option rounds must be an integer in [1, Infinity], got '1.5'",
        "x: option acquisition must be one of entropy, margin, got 'bald'",
        "x: unknown option 'typo'; valid options: acquisition, budget, rounds",
      ]);
    }
  });
});
