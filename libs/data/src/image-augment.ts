/**
 * Image augmentation for training on tiny image sets (distilled or a few real
 * images per class): the `crop_scale_rotate` scheme of Zhao, Mopuri & Bilen 2021 ("Dataset
 * Condensation with Gradient Matching", their evaluation of MNIST sets). Each image gets one of a
 * random shift (up to `shift` pixels per axis, the zero-padded crop), a random scale (factor in
 * 1 ± `scale`) or a random rotation (up to ± `rotate` degrees), then Gaussian noise of deviation
 * `noise`. Geometry is resampled bilinearly about the image centre; outside pixels are 0.
 */
import { InvalidArgumentError } from '@mneme/errors';
import type { Rng } from '@mneme/random';

/** Parameters of {@link augmentImages}. */
export interface AugmentOptions {
  /** Maximum shift in pixels per axis. @default 4 */
  readonly shift?: number;
  /** Maximum relative scale change. @default 0.2 */
  readonly scale?: number;
  /** Maximum rotation in degrees. @default 45 */
  readonly rotate?: number;
  /** Deviation of the added Gaussian noise. @default 0.001 */
  readonly noise?: number;
}

/** Zhao et al.'s MNIST values. */
export const DC_AUGMENT: Required<AugmentOptions> = Object.freeze({ shift: 4, scale: 0.2, rotate: 45, noise: 0.001 });

/**
 * A 2×3 inverse map (output pixel → source pixel) about the centre: the identity for
 * `{ kind: 'shift', dx: 0, dy: 0 }`, `{ kind: 'scale', factor: 1 }` and `{ kind: 'rotate', degrees: 0 }`.
 */
export type Transform = { kind: 'shift'; dx: number; dy: number } | { kind: 'scale'; factor: number } | { kind: 'rotate'; degrees: number };

/** Applies `transform` to one `height × width` channel plane, bilinear, zero outside. */
export function transformPlane(
  src: Float32Array,
  height: number,
  width: number,
  transform: Transform,
  out = new Float32Array(height * width),
): Float32Array {
  const [cy, cx] = [(height - 1) / 2, (width - 1) / 2];
  // Source coordinates of output (y, x): sy = a·(y−cy) + b·(x−cx) + cy + ty, sx = c·(y−cy) + d·(x−cx) + cx + tx.
  let [a, b, c, d, ty, tx] = [1, 0, 0, 1, 0, 0];
  if (transform.kind === 'shift') [ty, tx] = [-transform.dy, -transform.dx];
  else if (transform.kind === 'scale') [a, d] = [1 / transform.factor, 1 / transform.factor];
  else {
    const t = (transform.degrees * Math.PI) / 180;
    [a, b, c, d] = [Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t)];
  }
  const at = (y: number, x: number) => (y >= 0 && y < height && x >= 0 && x < width ? src[y * width + x]! : 0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sy = a * (y - cy) + b * (x - cx) + cy + ty;
      const sx = c * (y - cy) + d * (x - cx) + cx + tx;
      const [y0, x0] = [Math.floor(sy), Math.floor(sx)];
      const [fy, fx] = [sy - y0, sx - x0];
      out[y * width + x] =
        (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
    }
  }
  return out;
}

/**
 * A new batch of `n` images (`n × channels × height × width`, row-major) each with one random
 * geometric transform (shift, scale or rotation, equally likely; the same for all its channels)
 * and Gaussian noise.
 *
 * @throws InvalidArgumentError when `images` does not hold whole images of that shape
 */
export function augmentImages(
  images: Float32Array,
  shape: readonly [number, number, number],
  rng: Rng,
  options: AugmentOptions = {},
): Float32Array {
  const o = { ...DC_AUGMENT, ...options };
  const [channels, height, width] = shape;
  const plane = height * width;
  const size = channels * plane;
  if (size === 0 || images.length % size !== 0)
    throw new InvalidArgumentError(`${images.length} values are not whole ${channels}×${height}×${width} images`);
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length / size; i++) {
    const pick = rng.int(3);
    const transform: Transform =
      pick === 0
        ? { kind: 'shift', dx: rng.int(2 * o.shift + 1) - o.shift, dy: rng.int(2 * o.shift + 1) - o.shift }
        : pick === 1
          ? { kind: 'scale', factor: 1 + rng.uniform(-o.scale, o.scale) }
          : { kind: 'rotate', degrees: rng.uniform(-o.rotate, o.rotate) };
    for (let ch = 0; ch < channels; ch++) {
      const offset = i * size + ch * plane;
      transformPlane(images.subarray(offset, offset + plane), height, width, transform, out.subarray(offset, offset + plane));
    }
  }
  if (o.noise > 0) for (let j = 0; j < out.length; j++) out[j] = out[j]! + rng.normal(0, o.noise);
  return out;
}
