import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { InvalidArgumentError, MnemeError } from '@mneme/errors';

/**
 * A seeded random number generator (xoroshiro128+, from pure-rand) whose whole state can be saved
 * and restored, so a run that resumes from a checkpoint draws exactly the numbers it would have.
 */
export class Rng {
  private constructor(private generator: JumpableRandomGenerator) {}

  /** A generator seeded with a 32-bit integer. */
  static seeded(seed: number): Rng {
    if (!Number.isInteger(seed)) throw new InvalidArgumentError(`seed must be an integer, got ${seed}`);
    return new Rng(xoroshiro128plus(seed | 0));
  }

  /** A generator restored from {@link Rng.state}. */
  static fromState(state: readonly number[]): Rng {
    return new Rng(xoroshiro128plusFromState(state));
  }

  /** The full generator state (a few integers), for checkpoints. */
  state(): number[] {
    return [...this.generator.getState()];
  }

  /** An independent generator derived from this one (this one advances as well). */
  fork(): Rng {
    const child = this.generator.clone();
    child.jump();
    this.generator.next();
    return new Rng(child);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.generator);
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new MnemeError('internal', `int(n) needs a positive integer, got ${n}`);
    return uniformInt(this.generator, 0, n - 1);
  }

  /** Standard normal (Box–Muller). */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  /** `k` distinct indices from [0, n), in random order. */
  sample(n: number, k: number): number[] {
    if (k > n) throw new MnemeError('internal', `cannot sample ${k} distinct items from ${n}`);
    const picked = new Map<number, number>();
    const out: number[] = [];
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      out.push(picked.get(j) ?? j);
      picked.set(j, picked.get(i) ?? i);
    }
    return out;
  }
}
