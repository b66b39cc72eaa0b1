import { InvalidArgumentError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { PACING_NAMES, pacingFunction, releasedCount } from './pacing.js';

describe('pacingFunction', () => {
  it('linear: from start to 1 at t = full, then flat', () => {
    const g = pacingFunction('linear', { start: 0.2, full: 0.8 });
    expect(g(0)).toBeCloseTo(0.2);
    expect(g(0.4)).toBeCloseTo(0.6);
    expect(g(0.8)).toBeCloseTo(1);
    expect(g(1)).toBe(1);
  });

  it('root: the square-root competence of Platanios et al., faster than linear early on', () => {
    const g = pacingFunction('root', { start: 0.2, full: 1 });
    expect(g(0)).toBeCloseTo(0.2);
    expect(g(0.5)).toBeCloseTo(Math.sqrt(0.04 + 0.96 * 0.5));
    expect(g(0.5)).toBeGreaterThan(pacingFunction('linear', { start: 0.2, full: 1 })(0.5));
    expect(g(1)).toBeCloseTo(1);
    expect(pacingFunction('root', { start: 0.2, full: 1, power: 3 })(0.5)).toBeCloseTo(Math.cbrt(0.008 + 0.992 * 0.5));
  });

  it('step: k equal jumps, the last at t = full', () => {
    const g = pacingFunction('step', { start: 0.2, full: 0.8, steps: 4 });
    expect([0, 0.19, 0.2, 0.4, 0.6, 0.79, 0.8, 1].map(g)).toEqual(
      [0.2, 0.2, 0.4, 0.6000000000000001, 0.8, 0.8, 1, 1].map((x) => expect.closeTo(x, 9)),
    );
  });

  it('none releases everything; every function is non-decreasing and within (0, 1]', () => {
    expect(pacingFunction('none')(0)).toBe(1);
    for (const name of PACING_NAMES) {
      const g = pacingFunction(name);
      let previous = 0;
      for (let t = 0; t <= 1.0001; t += 0.01) {
        const v = g(t);
        expect(v).toBeGreaterThan(0);
        expect(v).toBeLessThanOrEqual(1);
        expect(v).toBeGreaterThanOrEqual(previous);
        previous = v;
      }
      expect(g(1)).toBe(1);
    }
  });

  it('names every bad option at once', () => {
    expect(() => pacingFunction('cubic' as never, { start: 0, full: 2, steps: 0.5, power: 0 })).toThrow(InvalidArgumentError);
    expect(() => pacingFunction('linear', { start: 0, full: 2 })).toThrow(
      /start must be in \(0, 1\], got 0; pacing full must be in \(0, 1\], got 2/,
    );
  });
});

describe('releasedCount', () => {
  it('rounds up, keeps at least a batch and never exceeds n', () => {
    expect(releasedCount(0.25, 100)).toBe(25);
    expect(releasedCount(0.251, 100)).toBe(26);
    expect(releasedCount(0.01, 100, 10)).toBe(10);
    expect(releasedCount(1, 7, 10)).toBe(7);
  });
});
