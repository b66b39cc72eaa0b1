import { InvalidArgumentError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { difficultyBands, difficultyOf, difficultyScores, easyFirstOrder, softmaxRows } from './difficulty.js';

const ln = Math.log;

describe('softmaxRows', () => {
  it('normalises each row and survives huge logits', () => {
    const p = softmaxRows(new Float32Array([0, 0, 1000, 1000, 0, 0]), 3);
    expect(Array.from(p.subarray(0, 3))).toEqual([0, 0, 1]);
    expect(p[3]).toBeCloseTo(1, 6);
    expect(() => softmaxRows(new Float32Array(5), 3)).toThrow(InvalidArgumentError);
  });
});

describe('difficultyScores', () => {
  // Probabilities chosen by their logs: row 0 = (0.7, 0.2, 0.1), row 1 = (0.45, 0.45, 0.1), row 2 = (0.1, 0.1, 0.8).
  const logits = new Float32Array([ln(0.7), ln(0.2), ln(0.1), ln(0.45), ln(0.45), ln(0.1), ln(0.1), ln(0.1), ln(0.8)]);
  const labels = Int32Array.from([0, 1, 0]);
  const s = difficultyScores(logits, labels, 3);

  it('gives true-class confidence, cross-entropy and margin', () => {
    expect(Array.from(s.confidence)).toEqual([expect.closeTo(0.7, 6), expect.closeTo(0.45, 6), expect.closeTo(0.1, 6)]);
    expect(Array.from(s.loss)).toEqual([expect.closeTo(-ln(0.7), 5), expect.closeTo(-ln(0.45), 5), expect.closeTo(-ln(0.1), 5)]);
    expect(Array.from(s.margin)).toEqual([expect.closeTo(0.5, 6), expect.closeTo(0, 6), expect.closeTo(-0.7, 6)]);
    expect(Array.from(s.predicted)).toEqual([0, 0, 2]);
    expect(s.predictedConfidence[2]).toBeCloseTo(0.8, 6);
  });

  it('keeps the loss finite where the true-class probability underflows', () => {
    const extreme = difficultyScores(new Float32Array([200, -200]), Int32Array.from([1]), 2);
    expect(extreme.confidence[0]).toBe(0);
    expect(extreme.loss[0]).toBeCloseTo(400, 3);
  });

  it('orders easy first under every rule (higher difficulty = harder)', () => {
    for (const rule of ['confidence', 'loss', 'margin'] as const)
      expect(Array.from(easyFirstOrder(difficultyOf(s, rule)))).toEqual([0, 1, 2]);
    // Ties keep index order.
    expect(Array.from(easyFirstOrder([1, 0, 1, 0]))).toEqual([1, 3, 0, 2]);
  });

  it('bands in the confusion-matrix view: confident correct easy, borderline medium, confident wrong hard', () => {
    expect(difficultyBands(s)).toEqual(['easy', 'medium', 'hard']);
    // Wrong but unsure (p(predicted) 0.4 < confident 0.5) is medium, not hard.
    const unsure = difficultyScores(new Float32Array([ln(0.05), ln(0.4), ln(0.3), ln(0.25)]), Int32Array.from([0]), 4);
    expect(difficultyBands(unsure)).toEqual(['medium']);
    expect(difficultyBands(unsure, { confident: 0.35 })).toEqual(['hard']);
    // A wider borderline turns the easy row medium.
    expect(difficultyBands(s, { borderline: 0.6 })).toEqual(['medium', 'medium', 'hard']);
  });

  it('rejects bad thresholds, ragged logits and labels outside the head', () => {
    expect(() => difficultyBands(s, { borderline: -1, confident: 2 })).toThrow(/borderline.*confident/);
    expect(() => difficultyScores(logits, Int32Array.from([0, 1]), 3)).toThrow(/3 logit rows but 2 labels/);
    expect(() => difficultyScores(logits, Int32Array.from([0, 1, 3]), 3)).toThrow(/label 3 of sample 2/);
  });
});
