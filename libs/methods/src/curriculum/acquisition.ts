/**
 * Acquisition functions of pool-based active learning (Settles 2009, "Active Learning Literature
 * Survey", Sec. 3.1, uncertainty sampling after Lewis & Gale 1994): scores from a model's softmax
 * over unlabelled samples, higher = ask for this label first.
 */
import { InvalidArgumentError } from '@mneme/errors';
import type { Rng } from '@mneme/random';
import { softmaxRows } from './difficulty.js';

/** How to pick the samples to label. */
export type AcquisitionName = 'least-confidence' | 'margin' | 'entropy' | 'random';

/** The acquisition functions, for option validation and help text. */
export const ACQUISITION_NAMES: readonly AcquisitionName[] = Object.freeze(['least-confidence', 'margin', 'entropy', 'random']);

/**
 * Informativeness of each row of a `rows × classes` logit matrix:
 * - least-confidence: 1 − max_c p(c)
 * - margin: −(p(first) − p(second)) — the smaller the gap between the two best classes, the higher
 * - entropy: −Σ_c p(c) log p(c)
 * - random: uniform in [0, 1) from `rng` (the baseline at the same budget)
 *
 * @throws InvalidArgumentError for an unknown name, or `random` without an rng
 */
export function acquisitionScores(logits: Float32Array, classes: number, name: AcquisitionName, rng?: Rng): Float64Array {
  const probs = softmaxRows(logits, classes);
  const n = probs.length / classes;
  const out = new Float64Array(n);
  if (name === 'random') {
    if (rng === undefined) throw new InvalidArgumentError('random acquisition needs a seeded rng');
    for (let r = 0; r < n; r++) out[r] = rng.next();
    return out;
  }
  if (!ACQUISITION_NAMES.includes(name))
    throw new InvalidArgumentError(`unknown acquisition '${String(name)}'; valid: ${ACQUISITION_NAMES.join(', ')}`);
  for (let r = 0; r < n; r++) {
    const o = r * classes;
    let first = 0;
    let second = 0;
    let entropy = 0;
    for (let c = 0; c < classes; c++) {
      const p = probs[o + c]!;
      if (p > first) {
        second = first;
        first = p;
      } else if (p > second) second = p;
      if (p > 0) entropy -= p * Math.log(p);
    }
    out[r] = name === 'least-confidence' ? 1 - first : name === 'margin' ? -(first - second) : entropy;
  }
  return out;
}

/**
 * Indices of the `k` highest scores, best first; ties go to the lower index so selection is
 * deterministic.
 *
 * @throws InvalidArgumentError when `k` is not an integer in [0, scores.length]
 */
export function topK(scores: ArrayLike<number>, k: number): Int32Array {
  if (!Number.isInteger(k) || k < 0 || k > scores.length) throw new InvalidArgumentError(`cannot select ${k} of ${scores.length} samples`);
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return Int32Array.from(order.slice(0, k));
}
