/**
 * Sample difficulty from a model's outputs, for curricula (Bengio et al. 2009; Hacohen & Weinshall
 * 2019 score by a model's confidence in the true class) and for inspection: per-sample true-class
 * confidence, cross-entropy loss and margin, and easy/medium/hard bands in the confusion-matrix view.
 */
import { InvalidArgumentError } from '@mneme/errors';

/** Per-sample scores of a labelled set under a model, from its logits. */
export interface DifficultyScores {
  /** p(true class) under the softmax of the logits. */
  readonly confidence: Float32Array;
  /** Cross-entropy −log p(true class), computed from the log-softmax (finite for any finite logits). */
  readonly loss: Float32Array;
  /** p(true class) − max over other classes of p; > 0 exactly when the prediction is correct (no ties). */
  readonly margin: Float32Array;
  /** The arg-max class. */
  readonly predicted: Int32Array;
  /** p(predicted class). */
  readonly predictedConfidence: Float32Array;
}

/** Which score orders samples from easy to hard. */
export type ScoringRule = 'confidence' | 'loss' | 'margin';

/** The scoring rules, for option validation and help text. */
export const SCORING_RULES: readonly ScoringRule[] = Object.freeze(['confidence', 'loss', 'margin']);

/** A sample's difficulty band in the confusion-matrix view. */
export type DifficultyBand = 'easy' | 'medium' | 'hard';

/** Thresholds of {@link difficultyBands}. */
export interface BandThresholds {
  /** |margin| below this is borderline (medium). @default 0.2 */
  readonly borderline?: number;
  /** Probability of the predicted class needed to call a prediction confident (easy when right, hard when wrong). @default 0.5 */
  readonly confident?: number;
}

/**
 * Row-wise softmax of a `rows × classes` logit matrix (max-subtracted, so large logits do not
 * overflow).
 *
 * @throws InvalidArgumentError when the length is not a multiple of `classes`
 */
export function softmaxRows(logits: Float32Array, classes: number): Float32Array {
  const n = rowsOf(logits, classes);
  const out = new Float32Array(logits.length);
  for (let r = 0; r < n; r++) {
    const o = r * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[o + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[o + c]! - max);
    for (let c = 0; c < classes; c++) out[o + c] = Math.exp(logits[o + c]! - max) / sum;
  }
  return out;
}

/**
 * Confidence, loss and margin of every sample from its logits and true label.
 *
 * @throws InvalidArgumentError on a ragged logit matrix, a row/label count mismatch or a label outside the head
 */
export function difficultyScores(logits: Float32Array, labels: Int32Array, classes: number): DifficultyScores {
  const n = rowsOf(logits, classes);
  if (n !== labels.length) throw new InvalidArgumentError(`${n} logit rows but ${labels.length} labels`);
  const bad = labels.findIndex((l) => l < 0 || l >= classes);
  if (bad >= 0) throw new InvalidArgumentError(`label ${labels[bad]} of sample ${bad} is outside the head's ${classes} classes`);
  const probs = softmaxRows(logits, classes);
  const confidence = new Float32Array(n);
  const loss = new Float32Array(n);
  const margin = new Float32Array(n);
  const predicted = new Int32Array(n);
  const predictedConfidence = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const o = r * classes;
    const y = labels[r]!;
    let max = -Infinity;
    let best = 0;
    let bestOther = 0;
    for (let c = 0; c < classes; c++) {
      const z = logits[o + c]!;
      if (z > max) {
        max = z;
        best = c;
      }
      if (c !== y) bestOther = Math.max(bestOther, probs[o + c]!);
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[o + c]! - max);
    // −log softmax_y = logsumexp(z) − z_y, exact even when p_y underflows to 0.
    loss[r] = max + Math.log(sum) - logits[o + y]!;
    confidence[r] = probs[o + y]!;
    margin[r] = probs[o + y]! - bestOther;
    predicted[r] = best;
    predictedConfidence[r] = probs[o + best]!;
  }
  return { confidence, loss, margin, predicted, predictedConfidence };
}

/**
 * Difficulty per sample under a scoring rule, higher = harder: 1 − confidence, the loss, or −margin.
 */
export function difficultyOf(scores: DifficultyScores, rule: ScoringRule): Float64Array {
  switch (rule) {
    case 'confidence':
      return Float64Array.from(scores.confidence, (p) => 1 - p);
    case 'loss':
      return Float64Array.from(scores.loss);
    case 'margin':
      return Float64Array.from(scores.margin, (m) => -m);
  }
}

/**
 * Indices sorted from easiest to hardest (ascending difficulty); ties keep index order, so the
 * order is deterministic.
 */
export function easyFirstOrder(difficulty: ArrayLike<number>): Int32Array {
  const order = Array.from({ length: difficulty.length }, (_, i) => i);
  order.sort((a, b) => difficulty[a]! - difficulty[b]! || a - b);
  return Int32Array.from(order);
}

/**
 * Easy/medium/hard in the confusion-matrix view: a confident correct prediction (margin ≥
 * `borderline` and p(true) ≥ `confident`) is easy; a confident wrong one — a confident false
 * positive for the predicted class (margin ≤ −`borderline` and p(predicted) ≥ `confident`) — is
 * hard; everything else (borderline or unsure) is medium.
 *
 * @throws InvalidArgumentError when a threshold is outside its range
 */
export function difficultyBands(scores: DifficultyScores, thresholds: BandThresholds = {}): DifficultyBand[] {
  const borderline = thresholds.borderline ?? 0.2;
  const confident = thresholds.confident ?? 0.5;
  const problems: string[] = [];
  if (!(borderline >= 0 && borderline <= 1)) problems.push(`borderline must be in [0, 1], got ${borderline}`);
  if (!(confident >= 0 && confident <= 1)) problems.push(`confident must be in [0, 1], got ${confident}`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return Array.from(scores.margin, (m, i): DifficultyBand => {
    if (m >= borderline && scores.confidence[i]! >= confident) return 'easy';
    if (m <= -borderline && scores.predictedConfidence[i]! >= confident) return 'hard';
    return 'medium';
  });
}

function rowsOf(values: Float32Array, classes: number): number {
  if (!Number.isInteger(classes) || classes < 1) throw new InvalidArgumentError(`classes must be a positive integer, got ${classes}`);
  if (values.length % classes !== 0) throw new InvalidArgumentError(`${values.length} logits are not a multiple of ${classes} classes`);
  return values.length / classes;
}
