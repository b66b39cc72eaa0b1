import { describe, expect, it } from 'vitest';
import { parseSplitName, SPLIT_NAMES } from './index.js';

describe('parseSplitName', () => {
  it('maps published spellings to the canonical names', () => {
    expect(parseSplitName('val')).toBe('validation');
    expect(parseSplitName('Dev')).toBe('validation');
    expect(parseSplitName(' train ')).toBe('train');
    expect(parseSplitName('test')).toBe('test');
  });

  it('rejects anything else', () => {
    expect(parseSplitName('holdout')).toBeUndefined();
    expect(parseSplitName('')).toBeUndefined();
  });

  it('lists the three splits in order', () => {
    expect(SPLIT_NAMES).toEqual(['train', 'validation', 'test']);
  });
});
