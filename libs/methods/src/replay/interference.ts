/**
 * MIR's scoring (Aljundi et al. 2019), the one implementation the `mir` strategy and the
 * replay-memory service's RetrieveInterfered both run: a virtual SGD step on the incoming batch
 * (one graph on the engine, else composed of generic verbs; nothing committed), each candidate scored by its loss after the step
 * minus its loss before, the k highest kept. {@link InterferedReplay} runs the same scoring and the
 * replay update as one graph where the executor offers it.
 */
import type { Executor, InterferedReplayStepRunner, OptimizerSpec, ParameterStore, VirtualStepRunner } from '@mneme/execution';
import type { Model } from '@mneme/graph';
import { CLASSIFIER_IO } from '@mneme/models';
import { int64FromInt32, tensor } from '@mneme/tensor';
import { topK as highest } from '../curriculum/acquisition.js';
import { composedVirtualStep } from './composed-virtual-step.js';
import { MnemeError } from '@mneme/errors';

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

/** The virtual-step runner of a classifier graph over a parameter store: the executor's compiled one, else one composed of its generic verbs. */
export function interferenceRunner(executor: Executor, model: Model, store: ParameterStore): VirtualStepRunner {
  const spec = { model, loss: CLASSIFIER_IO.loss, perSampleLoss: CLASSIFIER_IO.sampleLoss, store };
  return executor.virtualStep?.(spec) ?? composedVirtualStep(executor, spec);
}

/**
 * Scores `candidates` by the interference of a virtual SGD step at `learningRate` on `incoming`
 * and keeps the `topK` highest (fewer when fewer candidates are given).
 */
export async function mostInterfered(
  runner: VirtualStepRunner,
  width: number,
  incoming: ScoredRows,
  candidates: ScoredRows,
  learningRate: number,
  topK: number,
): Promise<Interference> {
  if (candidates.labels.length === 0) return { chosen: [], scores: [] };
  const { before, after } = await runner.run(feeds(incoming, width), feeds(candidates, width), learningRate);
  const scores = Array.from(after, (a, i) => a - before[i]!);
  const chosen = Array.from(highest(scores, Math.min(topK, scores.length)));
  return { chosen, scores: chosen.map((c) => scores[c]!) };
}

/** The graph and parameters a fused MIR step trains (a classifier with its losses). */
export interface InterferedModel {
  readonly model: Model;
  readonly store: ParameterStore;
}

/**
 * MIR's whole step — virtual step, scoring, top-k and the update on mean loss(incoming) + mean
 * loss(replay) — as one run on executors that offer it ({@link Executor.interferedReplayStep}); it
 * replaces {@link mostInterfered} followed by a replay train step, with the same choice. The runner
 * follows the classifier: rebuilt when its graph changes (a class arrived) or its store is replaced
 * (a restore).
 */
export class InterferedReplay {
  private bound: { model: Model; store: ParameterStore; runner: InterferedReplayStepRunner } | undefined;

  constructor(
    private readonly executor: Executor,
    private readonly net: InterferedModel,
    private readonly optimizer: OptimizerSpec,
    private readonly learningRate: number,
    private readonly width: number,
  ) {}

  /** Whether the executor runs the fused step (else callers take the two-step path). */
  static supported(executor: Executor): boolean {
    return executor.interferedReplayStep !== undefined;
  }

  /**
   * One update on `incoming` and the `topK` candidates a virtual step on `incoming` interferes with
   * most; returns the chosen candidates, most interfered first, and the update's objective before it.
   */
  async step(incoming: ScoredRows, candidates: ScoredRows, topK: number): Promise<Interference & { readonly loss: number }> {
    const { chosen, scores, loss } = await this.runner().step(
      feeds(incoming, this.width),
      feeds(candidates, this.width),
      Math.min(topK, candidates.labels.length),
    );
    return { chosen, scores, loss };
  }

  private runner(): InterferedReplayStepRunner {
    const { model, store } = this.net;
    if (this.bound?.model !== model || this.bound.store !== store) {
      const make = this.executor.interferedReplayStep;
      if (make === undefined)
        throw new MnemeError(
          'internal',
          `executor '${this.executor.device}' has no fused interfered-replay step; check InterferedReplay.supported first`,
        );
      const runner = make.call(this.executor, {
        model,
        loss: CLASSIFIER_IO.loss,
        perSampleLoss: CLASSIFIER_IO.sampleLoss,
        store,
        optimizer: this.optimizer,
        lr: this.learningRate,
      });
      this.bound = { model, store, runner };
    }
    return this.bound.runner;
  }
}

function feeds(rows: ScoredRows, width: number) {
  return {
    [CLASSIFIER_IO.input]: tensor('float32', [rows.labels.length, width], rows.features),
    [CLASSIFIER_IO.labels]: tensor('int64', [rows.labels.length], int64FromInt32(rows.labels)),
  };
}
