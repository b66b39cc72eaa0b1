/**
 * Pacing functions of a curriculum: training progress t ∈ [0, 1] → the fraction of the
 * easiest-first ordered data released for sampling. Linear and step pacing follow Hacohen &
 * Weinshall 2019, "On the power of curriculum learning in training deep networks" (Sec. 2: the
 * pacing function g and its "fixed exponential"/"single step" staircases); root pacing is the
 * competence function of Platanios et al. 2019, "Competence-based curriculum learning for neural
 * machine translation" (c_sqrt, and c_root-p in general).
 */
import { InvalidArgumentError } from '@mneme/errors';

/** A pacing function's name; `none` releases everything from the start (ordinary training). */
export type PacingName = 'linear' | 'root' | 'step' | 'none';

/** The pacing functions, for option validation and help text. */
export const PACING_NAMES: readonly PacingName[] = Object.freeze(['linear', 'root', 'step', 'none']);

/** Maps training progress t ∈ [0, 1] to the released fraction in (0, 1]; non-decreasing. */
export type PacingFunction = (t: number) => number;

/** Shape of a pacing function. */
export interface PacingOptions {
  /** Fraction released at t = 0 (c₀ of Platanios et al.). @default 0.2 */
  readonly start?: number;
  /** Progress at which everything is released (T of Platanios et al., as a fraction of training). @default 0.8 */
  readonly full?: number;
  /** `step`: number of equal increments from `start` to 1. @default 4 */
  readonly steps?: number;
  /** `root`: the root's degree p (2 = square root). @default 2 */
  readonly power?: number;
}

/**
 * The pacing function of a name:
 * - linear: g(t) = min(1, c₀ + (1 − c₀)·t/T)
 * - root:   g(t) = min(1, (c₀ᵖ + (1 − c₀ᵖ)·t/T)^(1/p)) — releases fast early, slowly later
 * - step:   g(t) = min(1, c₀ + (1 − c₀)·⌊k·t/T⌋/k) — k equal jumps, the last at t = T
 * - none:   g(t) = 1
 *
 * @throws InvalidArgumentError naming every option out of range (all checked before throwing)
 */
export function pacingFunction(name: PacingName, options: PacingOptions = {}): PacingFunction {
  const c0 = options.start ?? 0.2;
  const full = options.full ?? 0.8;
  const steps = options.steps ?? 4;
  const power = options.power ?? 2;
  const problems: string[] = [];
  if (!PACING_NAMES.includes(name)) problems.push(`unknown pacing '${String(name)}'; valid: ${PACING_NAMES.join(', ')}`);
  if (!(c0 > 0 && c0 <= 1)) problems.push(`pacing start must be in (0, 1], got ${c0}`);
  if (!(full > 0 && full <= 1)) problems.push(`pacing full must be in (0, 1], got ${full}`);
  if (!(Number.isInteger(steps) && steps >= 1)) problems.push(`pacing steps must be a positive integer, got ${steps}`);
  if (!(power >= 1 && Number.isFinite(power))) problems.push(`pacing power must be ≥ 1, got ${power}`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  // Progress past T is clamped, so every function reaches exactly 1 and stays there.
  const progress = (t: number): number => Math.min(1, Math.max(0, t) / full);
  switch (name) {
    case 'linear':
      return (t) => Math.min(1, c0 + (1 - c0) * progress(t));
    case 'root':
      return (t) => Math.min(1, (c0 ** power + (1 - c0 ** power) * progress(t)) ** (1 / power));
    case 'step':
      return (t) => Math.min(1, c0 + ((1 - c0) * Math.floor(steps * progress(t) + 1e-9)) / steps);
    case 'none':
      return () => 1;
  }
}

/**
 * How many of `n` ordered samples a released fraction makes available: ⌈fraction·n⌉, but at least
 * `atLeast` (a whole batch, so early steps are not tiny) and at most `n`.
 */
export function releasedCount(fraction: number, n: number, atLeast = 1): number {
  return Math.min(n, Math.max(atLeast, Math.ceil(fraction * n - 1e-9)));
}
