import { InvalidArgumentError } from '@mneme/errors';
import { gatherRows } from '@mneme/tensor';
import type { LabelledBatch } from '../strategy.js';

/** JSON-safe contents of an {@link ExperiencePool} (float32 values survive a round trip through numbers exactly). */
export interface ExperiencePoolState {
  readonly inputSize: number;
  readonly features: number[];
  readonly labels: number[];
  readonly ids: number[];
}

/**
 * The samples of the current experience, buffered by a boundary-aware strategy that trains at the
 * experience's end (curriculum, active). De-duplicated by sample id, because the loop replays an
 * experience's batches once per epoch and the strategy runs its own passes. Rows live in one
 * growable float32 array.
 */
export class ExperiencePool {
  private data: Float32Array;
  private labelList: number[] = [];
  private idList: number[] = [];
  private held = new Set<number>();

  /** @throws InvalidArgumentError for an input size that is not a positive integer */
  constructor(readonly inputSize: number) {
    if (!Number.isInteger(inputSize) || inputSize < 1)
      throw new InvalidArgumentError(`inputSize must be a positive integer, got ${inputSize}`);
    this.data = new Float32Array(inputSize * 64);
  }

  /** Rows held. */
  get size(): number {
    return this.labelList.length;
  }

  /** Label of row `i`. */
  label(i: number): number {
    return this.labelList[i]!;
  }

  /** Labels of all rows, in row order. */
  labels(): Int32Array {
    return Int32Array.from(this.labelList);
  }

  /** Features of all rows (`size × inputSize`), a copy. */
  features(): Float32Array {
    return this.data.slice(0, this.size * this.inputSize);
  }

  /** Ids of all rows, in row order. */
  ids(): Int32Array {
    return Int32Array.from(this.idList);
  }

  /** Sample id of row `i`. */
  id(i: number): number {
    return this.idList[i]!;
  }

  /**
   * Appends the rows whose id is not held yet; returns how many were new. The batch must already
   * be validated ({@link checkIds} and the classifier's checks).
   */
  add(batch: Pick<LabelledBatch, 'features' | 'labels' | 'ids'>): number {
    const d = this.inputSize;
    let added = 0;
    batch.ids.forEach((id, r) => {
      if (this.held.has(id)) return;
      this.push(batch.features.subarray(r * d, (r + 1) * d), batch.labels[r]!, id);
      added++;
    });
    return added;
  }

  /** Features (`k × inputSize`) and labels of the rows at `rows`, copied. */
  gather(rows: ArrayLike<number>): { features: Float32Array; labels: Int32Array; ids: Int32Array } {
    const labels = new Int32Array(rows.length);
    const ids = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      labels[i] = this.labelList[r]!;
      ids[i] = this.idList[r]!;
    }
    return { features: gatherRows(this.data, this.inputSize, rows), labels, ids };
  }

  /** Removes the rows with these ids (a data-deletion request); returns how many were held. */
  remove(ids: Iterable<number>): number {
    const doomed = new Set([...ids].filter((id) => this.held.has(id)));
    if (doomed.size === 0) return 0;
    const keep = [...this.idList.keys()].filter((r) => !doomed.has(this.idList[r]!));
    const kept = this.gather(keep);
    this.clear();
    this.add(kept);
    return doomed.size;
  }

  /** Empties the pool (at the end of an experience). */
  clear(): void {
    this.labelList = [];
    this.idList = [];
    this.held = new Set();
  }

  /** The contents as JSON-safe data. */
  toState(): ExperiencePoolState {
    return {
      inputSize: this.inputSize,
      features: Array.from(this.data.subarray(0, this.size * this.inputSize)),
      labels: [...this.labelList],
      ids: [...this.idList],
    };
  }

  /**
   * A pool holding a copy of `state`.
   *
   * @throws InvalidArgumentError when the state's arrays disagree in size
   */
  static fromState(state: ExperiencePoolState): ExperiencePool {
    const pool = new ExperiencePool(state.inputSize);
    const n = state.labels.length;
    if (state.features.length !== n * state.inputSize || state.ids.length !== n) {
      throw new InvalidArgumentError(
        `experience pool state is inconsistent: ${n} labels, ${state.ids.length} ids, ${state.features.length} feature values`,
      );
    }
    pool.add({ features: Float32Array.from(state.features), labels: Int32Array.from(state.labels), ids: Int32Array.from(state.ids) });
    return pool;
  }

  private push(row: Float32Array, label: number, id: number): void {
    const d = this.inputSize;
    const need = (this.size + 1) * d;
    if (need > this.data.length) {
      // Doubling keeps appends amortised O(1).
      const grown = new Float32Array(Math.max(need, this.data.length * 2));
      grown.set(this.data);
      this.data = grown;
    }
    this.data.set(row, this.size * d);
    this.held.add(id);
    this.labelList.push(label);
    this.idList.push(id);
  }
}

/**
 * Throws unless every sample of the batch has an id: pools de-duplicate an experience's replayed
 * epochs by id, so a missing or short id list would silently drop or double-count samples.
 */
export function checkIds(batch: LabelledBatch): void {
  if (batch.ids.length !== batch.labels.length) {
    throw new InvalidArgumentError(`${batch.ids.length} sample ids but ${batch.labels.length} labels; every sample needs an id`);
  }
}

/** Samples `rows` of a row-major matrix `features` (`n × inputSize`) and their labels, copied. */
export function gatherSamples(
  features: Float32Array,
  labels: Int32Array,
  rows: ArrayLike<number>,
  inputSize: number,
): { features: Float32Array; labels: Int32Array } {
  return { features: gatherRows(features, inputSize, rows), labels: Int32Array.from({ length: rows.length }, (_, i) => labels[rows[i]!]!) };
}
