import { ParameterStore } from '@mneme/execution';
import { fromBase64, toBase64 } from '../heads/gram-statistics.js';
import type { FittedHead } from './prompted-heads.js';
import type { LabelledBatch, Strategy } from '../strategy.js';

/** The JSON part of a {@link FittedHeadSlot}'s state, nested in its strategy's. */
export interface FittedHeadData {
  head: Record<string, unknown>;
  /** The head's update counter. */
  headStep: number;
  /** The current experience's samples not yet given to the head (base64 float32 feature rows). */
  pending: { ids: number[]; labels: number[]; features: string };
}

/**
 * A head fitted on a prompt strategy's prompted features. The current experience's samples wait
 * (by id, so repeated epochs count once) until the experience ends; then they go through the final
 * prompts into the head. The head's parameters nest in the strategy's saved parameters under
 * `prefix`, its bookkeeping and the waiting samples in the strategy's data.
 */
export class FittedHeadSlot {
  private pending = new Map<number, { label: number; features: Float32Array }>();

  constructor(
    private head: FittedHead,
    /** Width of a feature row (the frozen encoder's). */
    private readonly width: number,
    /** Name prefix of the head's parameters inside the strategy's. */
    private readonly prefix: string,
  ) {}

  /** Keeps a batch's samples for the fit at the experience's end. */
  remember(batch: LabelledBatch): void {
    const d = this.width;
    batch.ids.forEach((id, r) => this.pending.set(id, { label: batch.labels[r]!, features: batch.features.slice(r * d, (r + 1) * d) }));
  }

  /** Forgets the waiting samples (an experience begins without ending the last). */
  dropWaiting(): void {
    this.pending = new Map();
  }

  /**
   * Gives the waiting samples to the head: `headRows` maps their feature rows and ids to the rows
   * the head sees (the prompted features); then nothing waits.
   */
  async fit(headRows: (features: Float32Array, ids: Int32Array) => Promise<Float32Array>, experience: number): Promise<void> {
    if (this.pending.size > 0) {
      const ids = Int32Array.from(this.pending.keys());
      const labels = Int32Array.from(this.pending.values(), (s) => s.label);
      const features = new Float32Array(ids.length * this.width);
      [...this.pending.values()].forEach((s, r) => features.set(s.features, r * this.width));
      await this.head.add(await headRows(features, ids), labels, ids, experience);
    }
    this.pending = new Map();
  }

  predict(rows: Float32Array, allowed?: readonly number[]): Promise<Int32Array> {
    return this.head.predict(rows, allowed);
  }

  growClasses(count: number): void {
    this.head.growClasses(count);
  }

  /** Whether the head keeps samples by id past their experience (then the strategy reports and forgets them). */
  get keepsSamples(): boolean {
    return this.head.keepsSamples;
  }

  /** Samples held by id: those waiting for the experience's end and those the head keeps. */
  held(): number {
    return this.pending.size + this.head.held();
  }

  /** Forgets samples by id, waiting or kept by the head; returns how many were removed. */
  forget(ids: Iterable<number>): number {
    const unique = new Set(ids);
    let removed = 0;
    for (const id of unique) if (this.pending.delete(id)) removed++;
    return removed + this.head.forget(unique);
  }

  /** Whether `name`, in a strategy's saved parameters, is the head's. */
  owns(name: string): boolean {
    return name.startsWith(this.prefix);
  }

  /** Puts the head's parameters into `params` (under the prefix) and returns the JSON part. */
  save(params: ParameterStore): FittedHeadData {
    const nested = this.head.save();
    for (const p of nested.params.names()) params.set(`${this.prefix}${p}`, nested.params.get(p));
    const rows = [...this.pending.values()];
    const features = new Float32Array(rows.length * this.width);
    rows.forEach((r, i) => features.set(r.features, i * this.width));
    return {
      head: nested.data,
      headStep: nested.params.step,
      pending: { ids: [...this.pending.keys()], labels: rows.map((r) => r.label), features: toBase64(features) },
    };
  }

  /**
   * Takes `head` (fresh, sized for the restored classes) restored from a strategy's saved
   * parameters and `data`; without `data` (a state saved with no fitted head), the fresh head.
   */
  restore(head: FittedHead, params: ParameterStore, data: FittedHeadData | undefined): void {
    if (data !== undefined) {
      const nested = new ParameterStore();
      for (const p of params.names()) {
        if (!this.owns(p)) continue;
        const local = p.slice(this.prefix.length);
        nested.set(local, params.get(p));
        for (const slot of params.stateSlots(p)) nested.setState(local, slot, params.getState(p, slot));
      }
      nested.step = data.headStep;
      head.restore({ params: nested, data: data.head });
    }
    this.head = head;
    this.pending = new Map();
    if (data !== undefined) {
      const rows = fromBase64(data.pending.features, Float32Array);
      data.pending.ids.forEach((id, i) =>
        this.pending.set(id, { label: data.pending.labels[i]!, features: rows.slice(i * this.width, (i + 1) * this.width) }),
      );
    }
  }
}

/** The fitted head's part of a strategy's saved data (absent in a state saved without a fitted head). */
export type FittedHeadFields = Partial<FittedHeadData>;

/** The fitted head's part of a strategy's saved data, or undefined for a state saved without one. */
export function fittedHeadDataOf(data: FittedHeadFields): FittedHeadData | undefined {
  return data.head === undefined
    ? undefined
    : { head: data.head, headStep: data.headStep ?? 0, pending: data.pending ?? { ids: [], labels: [], features: '' } };
}

/** A copy of a strategy's saved `params` without the fitted head's (named under `prefix`), with their optimizer slots and step. */
export function withoutFittedHead(params: ParameterStore, prefix: string): ParameterStore {
  const own = new ParameterStore();
  for (const p of params.names()) {
    if (p.startsWith(prefix)) continue;
    own.set(p, params.get(p));
    for (const slot of params.stateSlots(p)) own.setState(p, slot, params.getState(p, slot));
  }
  own.step = params.step;
  return own;
}

/**
 * What a prompt strategy gains from a fitted head that keeps samples by id (the ridge head):
 * `describe()` counts them and `forget()` removes them (the head's statistics are downdated; the
 * prompts keep what they learned, so unlearning stays `excluded`). Nothing for other heads.
 */
export function fittedHeadMemory(slot: FittedHeadSlot | undefined): Pick<Strategy, 'describe' | 'forget'> {
  if (slot === undefined || !slot.keepsSamples) return {};
  return { describe: () => ({ memorySize: slot.held() }), forget: (ids: Iterable<number>) => slot.forget(ids) };
}
