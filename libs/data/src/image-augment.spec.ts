import { Rng } from '@mneme/random';
import { describe, expect, it } from 'vitest';
import { augmentImages, transformPlane } from './image-augment.js';

/** A 6×6 plane with one bright pixel at (row, col). */
const dot = (row: number, col: number) => {
  const p = new Float32Array(36);
  p[row * 6 + col] = 1;
  return p;
};

describe('transformPlane', () => {
  it('leaves the image unchanged under identity transforms', () => {
    const src = Float32Array.from({ length: 36 }, (_, i) => i / 36);
    for (const t of [
      { kind: 'shift', dx: 0, dy: 0 },
      { kind: 'scale', factor: 1 },
      { kind: 'rotate', degrees: 0 },
    ] as const) {
      const out = transformPlane(src, 6, 6, t);
      out.forEach((v, i) => expect(v).toBeCloseTo(src[i]!, 6));
    }
  });

  it('shifts by whole pixels, filling with zeros', () => {
    expect(transformPlane(dot(2, 2), 6, 6, { kind: 'shift', dx: 1, dy: -2 })).toEqual(dot(0, 3));
    expect([...transformPlane(dot(0, 0), 6, 6, { kind: 'shift', dx: -1, dy: 0 })].every((v) => v === 0)).toBe(true);
  });

  it('rotates a quarter turn about the centre', () => {
    // A pixel right of centre goes below it (clockwise in image coordinates, y down).
    const out = transformPlane(dot(2, 5), 6, 6, { kind: 'rotate', degrees: 90 });
    expect(out[5 * 6 + 3]).toBeCloseTo(1, 5);
    expect(out.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
  });

  it('scales about the centre: a factor of 2 moves an off-centre pixel twice as far out', () => {
    const src = new Float32Array(49);
    src[3 * 7 + 4] = 1; // one right of the centre (3, 3)
    const out = transformPlane(src, 7, 7, { kind: 'scale', factor: 2 });
    expect(out[3 * 7 + 5]).toBeCloseTo(1, 5);
  });
});

describe('augmentImages', () => {
  it('changes every image, keeps shapes, and is repeatable under a seed', () => {
    const images = Float32Array.from({ length: 4 * 2 * 36 }, (_, i) => (i % 7) / 7);
    const a = augmentImages(images, [2, 6, 6], Rng.seeded(1));
    const b = augmentImages(images, [2, 6, 6], Rng.seeded(1));
    expect(a).toEqual(b);
    expect(a.length).toBe(images.length);
    for (let i = 0; i < 4; i++) expect(a.subarray(i * 72, (i + 1) * 72)).not.toEqual(images.subarray(i * 72, (i + 1) * 72));
  });

  it('rejects data that is not whole images', () => {
    expect(() => augmentImages(new Float32Array(35), [1, 6, 6], Rng.seeded(0))).toThrow(/not whole 1×6×6 images/);
  });
});
