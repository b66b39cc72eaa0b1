import { describe, expect, it } from 'vitest';
import { DEFINITIONS } from './index.js';

describe('DEFINITIONS', () => {
  it('keys every definition by its own id and gives each a formula and a source', () => {
    for (const [id, definition] of Object.entries(DEFINITIONS)) {
      expect(definition.id).toBe(id);
      expect(definition.formula.length).toBeGreaterThan(10);
      expect(definition.source.length).toBeGreaterThan(10);
    }
    expect(Object.isFrozen(DEFINITIONS)).toBe(true);
  });
});
