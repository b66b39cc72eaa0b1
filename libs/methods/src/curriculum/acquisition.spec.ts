import { Rng } from '@mneme/random';
import { describe, expect, it } from 'vitest';
import { acquisitionScores, topK } from './acquisition.js';

const ln = Math.log;
// Row 0 is sure (0.9, 0.05, 0.05); row 1 splits two classes (0.5, 0.5, 0); row 2 is uniform-ish (0.4, 0.3, 0.3).
const logits = new Float32Array([ln(0.9), ln(0.05), ln(0.05), ln(0.5), ln(0.5), -80, ln(0.4), ln(0.3), ln(0.3)]);

describe('acquisitionScores', () => {
  it('least-confidence is 1 − max p', () => {
    expect(Array.from(acquisitionScores(logits, 3, 'least-confidence'))).toEqual([
      expect.closeTo(0.1, 6),
      expect.closeTo(0.5, 6),
      expect.closeTo(0.6, 6),
    ]);
  });

  it('margin prefers the smallest gap between the two best classes', () => {
    const s = acquisitionScores(logits, 3, 'margin');
    expect(Array.from(s)).toEqual([expect.closeTo(-0.85, 6), expect.closeTo(0, 6), expect.closeTo(-0.1, 6)]);
    expect(Array.from(topK(s, 3))).toEqual([1, 2, 0]);
  });

  it('entropy is −Σ p log p', () => {
    const s = acquisitionScores(logits, 3, 'entropy');
    expect(s[1]).toBeCloseTo(ln(2), 5);
    expect(s[2]).toBeCloseTo(-(0.4 * ln(0.4) + 0.6 * ln(0.3)), 5);
    expect(Array.from(topK(s, 1))).toEqual([2]);
  });

  it('random is seeded and needs an rng', () => {
    const a = acquisitionScores(logits, 3, 'random', Rng.seeded(1));
    expect(Array.from(acquisitionScores(logits, 3, 'random', Rng.seeded(1)))).toEqual(Array.from(a));
    expect(() => acquisitionScores(logits, 3, 'random')).toThrow(/rng/);
    expect(() => acquisitionScores(logits, 3, 'bald' as never)).toThrow(/unknown acquisition 'bald'/);
  });
});

describe('topK', () => {
  it('takes the highest scores, ties to the lower index', () => {
    expect(Array.from(topK([1, 3, 3, 2], 3))).toEqual([1, 2, 3]);
    expect(() => topK([1], 2)).toThrow(/cannot select 2 of 1/);
  });
});
