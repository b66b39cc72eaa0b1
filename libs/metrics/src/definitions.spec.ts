import { describe, expect, it } from 'vitest';
import { DEFINITIONS, describeDefinition } from './index.js';

describe('DEFINITIONS', () => {
  it('keys every definition by its own id and gives each a formula and a source', () => {
    for (const [id, definition] of Object.entries(DEFINITIONS)) {
      expect(definition.id).toBe(id);
      expect(definition.formula.length).toBeGreaterThan(10);
      expect(definition.source.length).toBeGreaterThan(10);
    }
    expect(Object.isFrozen(DEFINITIONS)).toBe(true);
  });

  it('describes a definition as name: formula (source)', () => {
    expect(describeDefinition('bwt-lopez-paz-2017')).toBe(
      'BWT: BWT = (1/(T−1)) Σ_{i=1..T−1} (R_{T,i} − R_{i,i}) (Lopez-Paz & Ranzato 2017, "Gradient Episodic Memory for Continual Learning", Sec. 2)',
    );
  });
});
