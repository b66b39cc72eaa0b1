/**
 * MIR's scoring (Aljundi et al. 2019), the one implementation the `mir` strategy and the
 * replay-memory service's RetrieveInterfered both run: a virtual SGD step on the incoming batch
 * (one graph on the engine, nothing committed), each candidate scored by its loss after the step
 * minus its loss before, the k highest kept.
 */
import type { Executor, ParameterStore, VirtualStepRunner } from '@mneme/execution';
import type { Model } from '@mneme/graph';
import { CLASSIFIER_IO } from '@mneme/models';
import { int64FromInt32, tensor } from '@mneme/tensor';

/** Labelled rows: `features` is `labels.length × width`, row-major; labels are class indices. */
export interface ScoredRows {
  readonly features: Float32Array;
  readonly labels: Int32Array;
}

/** The candidates a virtual step would interfere with most, most interfered first. */
export interface Interference {
  /** Candidate positions, most interfered first. */
  readonly chosen: readonly number[];
  /** Loss after minus loss before, per chosen candidate. */
  readonly scores: readonly number[];
}

/**
 * Indices of the `k` largest scores, largest first; ties go to the lower index so the choice is
 * deterministic.
 */
export function topKIndices(scores: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order.slice(0, k);
}

/** The virtual-step runner of a classifier graph over a parameter store. */
export function interferenceRunner(executor: Executor, model: Model, store: ParameterStore): VirtualStepRunner {
  return executor.virtualStep({ model, loss: CLASSIFIER_IO.loss, perSampleLoss: CLASSIFIER_IO.sampleLoss, store });
}

/**
 * Scores `candidates` by the interference of a virtual SGD step at `learningRate` on `incoming`
 * and keeps the `topK` highest (fewer when fewer candidates are given).
 */
export async function mostInterfered(runner: VirtualStepRunner, width: number, incoming: ScoredRows, candidates: ScoredRows, learningRate: number, topK: number): Promise<Interference> {
  if (candidates.labels.length === 0) return { chosen: [], scores: [] };
  const { before, after } = await runner.run(feeds(incoming, width), feeds(candidates, width), learningRate);
  const scores = Array.from(after, (a, i) => a - before[i]!);
  const chosen = topKIndices(scores, Math.min(topK, scores.length));
  return { chosen, scores: chosen.map((c) => scores[c]!) };
}

function feeds(rows: ScoredRows, width: number) {
  return {
    [CLASSIFIER_IO.input]: tensor('float32', [rows.labels.length, width], rows.features),
    [CLASSIFIER_IO.labels]: tensor('int64', [rows.labels.length], int64FromInt32(rows.labels)),
  };
}
