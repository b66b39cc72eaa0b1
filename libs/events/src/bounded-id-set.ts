/**
 * An insertion-ordered set of ids that forgets the oldest beyond `capacity`. A Set iterates in
 * insertion order, so its first entry is always the oldest.
 */
export class BoundedIdSet {
  readonly #ids = new Set<string>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Number of ids remembered. */
  get size(): number {
    return this.#ids.size;
  }

  /** Whether `id` is remembered. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Remembers `id`, forgetting the oldest id when over capacity. */
  add(id: string): void {
    if (this.#ids.has(id)) return;
    this.#ids.add(id);
    if (this.#ids.size > this.#capacity) this.#ids.delete(this.#ids.values().next().value!);
  }

  /** The remembered ids, oldest first. */
  values(): IterableIterator<string> {
    return this.#ids.values();
  }
}
