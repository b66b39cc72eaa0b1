import type { Strategy } from '../strategy.js';

/**
 * Class indices in order of first arrival: a model learns its labels as they come, so the first
 * label seen is class 0, the next new one class 1, and so on (labels declared up front come first).
 * The trainer service indexes label names this way, and `mneme run` indexes a benchmark's labels
 * the same way, so both train the same strategy on the same class indices.
 */
export class ClassIndex<L> {
  private readonly index = new Map<L, number>();

  constructor(declared: Iterable<L> = []) {
    for (const label of declared) this.add(label);
  }

  /** Classes known. */
  get size(): number {
    return this.index.size;
  }

  /** The labels, by class index. */
  labels(): L[] {
    return [...this.index.keys()];
  }

  /** The class of `label`, if it arrived. */
  get(label: L): number | undefined {
    return this.index.get(label);
  }

  /** The class of `label`, adding it as the next class when new. */
  add(label: L): number {
    let c = this.index.get(label);
    if (c === undefined) {
      c = this.index.size;
      this.index.set(label, c);
    }
    return c;
  }
}

/** Grows `strategy` to hold every class in `classes` (class indices) before it learns them. */
export function growToFit(strategy: Strategy, classes: Iterable<number>): void {
  let max = -1;
  for (const c of classes) if (c > max) max = c;
  if (max + 1 > strategy.classCount()) strategy.growClasses(max + 1);
}
