import { ParameterStore } from '@mneme/execution';
import { argmaxRows, noClass } from '../core/classifier.js';
import { ranpac, type RanpacStrategy } from '../heads/ranpac.js';
import type { StrategyContext } from '../strategy.js';

/**
 * Heads fitted in closed form on a prompt strategy's prompted features, after each experience,
 * instead of trained with the prompts: `class-mean` (nearest class mean by cosine, as in
 * SimpleCIL, Zhou et al. 2023) and `ridge` (the ranpac learner of step 3 on prompted features).
 * Neither takes a gradient step, so a class's scores move only when its own statistics change.
 */
export type AnalyticHeadKind = 'class-mean' | 'ridge';

/** What a prompt strategy asks of its fitted head. */
export interface FittedHead {
  /** Adds prompted features (`count × hidden`) of labelled samples. */
  add(features: Float32Array, labels: Int32Array, ids: Int32Array, experience: number): Promise<void>;
  /** Class per row among `allowed` (a task's classes; all classes with statistics when absent); −1 before any. */
  predict(features: Float32Array, allowed?: readonly number[]): Promise<Int32Array>;
  growClasses(count: number): void;
  /**
   * Whether the head keeps samples by id (the ridge head keeps each row for exact unlearning);
   * such a head counts them ({@link held}) and forgets them ({@link forget}).
   */
  readonly keepsSamples: boolean;
  /** Samples the head keeps now (0 for a head that keeps none). */
  held(): number;
  /** Removes kept samples by id (their statistics are downdated); returns how many were removed. */
  forget(ids: Iterable<number>): number;
  /** The head's state, to nest in the strategy's. */
  save(): { params: ParameterStore; data: Record<string, unknown> };
  restore(state: { params: ParameterStore; data: Record<string, unknown> }): void;
}

/** A fitted head of `kind` on `hidden`-wide prompted features (ridge: `projection` random features); `ctx` supplies executor, seed and classes. */
export function fittedHead(kind: AnalyticHeadKind, ctx: StrategyContext, hidden: number, projection: number): FittedHead {
  return kind === 'ridge' ? new RidgeHead(ctx, hidden, projection) : new ClassMeanHead(hidden, ctx.classifier.classes);
}

/** Nearest class mean by cosine: per-class float64 sums of unit rows. */
class ClassMeanHead implements FittedHead {
  readonly keepsSamples = false;
  private sums: Float64Array;
  private counts: number[];

  constructor(
    private readonly hidden: number,
    private classes: number,
  ) {
    this.sums = new Float64Array(classes * hidden);
    this.counts = new Array<number>(classes).fill(0);
  }

  add(features: Float32Array, labels: Int32Array): Promise<void> {
    const h = this.hidden;
    labels.forEach((c, r) => {
      const row = features.subarray(r * h, (r + 1) * h);
      const norm = Math.max(Math.hypot(...row), 1e-12);
      for (let d = 0; d < h; d++) this.sums[c * h + d]! += row[d]! / norm;
      this.counts[c]! += 1;
    });
    return Promise.resolve();
  }

  predict(features: Float32Array, allowed?: readonly number[]): Promise<Int32Array> {
    const h = this.hidden;
    const n = features.length / h;
    const known = (allowed ?? [...this.counts.keys()]).filter((c) => this.counts[c]! > 0);
    if (known.length === 0) return Promise.resolve(noClass(n));
    const scores = new Float32Array(n * this.classes).fill(-Infinity);
    const means = known.map((c) => {
      const m = this.sums.subarray(c * h, (c + 1) * h);
      const norm = Math.max(Math.hypot(...m), 1e-12);
      return Float64Array.from(m, (x) => x / norm);
    });
    for (let r = 0; r < n; r++) {
      const row = features.subarray(r * h, (r + 1) * h);
      known.forEach((c, j) => {
        let dot = 0;
        const m = means[j]!;
        for (let d = 0; d < h; d++) dot += row[d]! * m[d]!;
        scores[r * this.classes + c] = dot;
      });
    }
    return Promise.resolve(argmaxRows(scores, this.classes, known));
  }

  growClasses(count: number): void {
    if (count <= this.classes) return;
    const sums = new Float64Array(count * this.hidden);
    sums.set(this.sums);
    this.sums = sums;
    this.counts = [...this.counts, ...new Array<number>(count - this.classes).fill(0)];
    this.classes = count;
  }

  held(): number {
    return 0;
  }

  /** Sums keep no sample by id: nothing to remove. */
  forget(): number {
    return 0;
  }

  save(): { params: ParameterStore; data: Record<string, unknown> } {
    return { params: new ParameterStore(), data: { sums: [...this.sums], counts: [...this.counts], classes: this.classes } };
  }

  restore(state: { params: ParameterStore; data: Record<string, unknown> }): void {
    this.classes = state.data['classes'] as number;
    this.sums = Float64Array.from(state.data['sums'] as number[]);
    this.counts = [...(state.data['counts'] as number[])];
  }
}

/** Ridge regression on random features of the prompted features: a ranpac learner fed by the strategy. */
class RidgeHead implements FittedHead {
  readonly keepsSamples = true;
  private readonly inner: RanpacStrategy;

  constructor(ctx: StrategyContext, hidden: number, projection: number) {
    const { text: _text, ...rest } = ctx;
    this.inner = ranpac({ ...rest, classifier: { ...ctx.classifier, inputSize: hidden }, options: { projection: String(projection) } });
  }

  async add(features: Float32Array, labels: Int32Array, ids: Int32Array, experience: number): Promise<void> {
    await this.inner.learn({ features, labels, ids, experience });
  }

  predict(features: Float32Array, allowed?: readonly number[]): Promise<Int32Array> {
    return this.inner.predictAmong(features, allowed);
  }

  held(): number {
    return this.inner.describe?.().memorySize ?? 0;
  }

  forget(ids: Iterable<number>): number {
    return this.inner.forget?.(ids) ?? 0;
  }

  growClasses(count: number): void {
    this.inner.growClasses(count);
  }

  save(): { params: ParameterStore; data: Record<string, unknown> } {
    const s = this.inner.saveState();
    return { params: s.params, data: { ...s.data } };
  }

  restore(state: { params: ParameterStore; data: Record<string, unknown> }): void {
    this.inner.restoreState(state);
  }
}
