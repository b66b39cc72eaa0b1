/**
 * Sample ids this trainer process has taken in by Ingest, per model: ids whose publish is still in
 * flight, and the most recently acknowledged ones. A re-sent batch finds its ids here before the
 * trainer has logged them (while the first send waits for its acknowledgement, or on Kafka before
 * the consumer caught up), so it gets them back as `duplicate_ids` rather than as `accepted`.
 * The log stays the authority: the consumer drops any repeat that gets past this.
 */
export class IngestIds {
  readonly #inFlight = new Map<string, Set<string>>();
  readonly #acknowledged = new Map<string, Set<string>>();

  /** @param acknowledgedPerModel acknowledged ids remembered per model (oldest forgotten first) */
  constructor(private readonly acknowledgedPerModel = 100_000) {}

  /** Whether `id` of `modelId` is in flight or was acknowledged recently. */
  has(modelId: string, id: string): boolean {
    return (this.#inFlight.get(modelId)?.has(id) ?? false) || (this.#acknowledged.get(modelId)?.has(id) ?? false);
  }

  /**
   * Marks `ids` in flight while `publish` runs: acknowledged when it resolves, free again when it
   * fails (the client's retry is then taken in, and the log drops whatever had got through).
   */
  async track<T>(modelId: string, ids: readonly string[], publish: () => Promise<T>): Promise<T> {
    const inFlight = this.#inFlight.get(modelId) ?? new Set<string>();
    this.#inFlight.set(modelId, inFlight);
    for (const id of ids) inFlight.add(id);
    try {
      const result = await publish();
      this.#acknowledge(modelId, ids);
      return result;
    } finally {
      for (const id of ids) inFlight.delete(id);
      if (inFlight.size === 0) this.#inFlight.delete(modelId);
    }
  }

  /** Forgets a model's ids (it was deleted). */
  forgetModel(modelId: string): void {
    this.#inFlight.delete(modelId);
    this.#acknowledged.delete(modelId);
  }

  #acknowledge(modelId: string, ids: readonly string[]): void {
    const seen = this.#acknowledged.get(modelId) ?? new Set<string>();
    this.#acknowledged.set(modelId, seen);
    for (const id of ids) {
      seen.delete(id);
      seen.add(id);
    }
    // A Set iterates in insertion order: its first entries are the oldest.
    for (const id of seen) {
      if (seen.size <= this.acknowledgedPerModel) break;
      seen.delete(id);
    }
  }
}
