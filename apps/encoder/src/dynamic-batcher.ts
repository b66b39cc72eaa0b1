/** Options of a {@link DynamicBatcher}. */
import { InvalidArgumentError, MnemeError } from '@mneme/errors';
export interface DynamicBatcherOptions<T, R> {
  /**
   * Runs one batch: one result per item, in order. Items were validated before they joined, so a
   * failure here is not any one caller's fault; see {@link DynamicBatcher} for how it is isolated.
   */
  readonly run: (items: readonly T[]) => Promise<readonly R[]>;
  /** Flush once this many units (see `size`) wait. @default 64 */
  readonly maxBatch?: number;
  /** Flush this long after the first waiting item arrived, full or not. @default 2 */
  readonly maxDelayMs?: number;
  /** Units an item counts for (inputs of a request). @default 1 */
  readonly size?: (item: T) => number;
  /** Told every change of the number of waiting units (for a queue-depth gauge). */
  readonly onDepthChange?: (delta: number) => void;
}

interface Waiting<T, R> {
  readonly item: T;
  readonly size: number;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent submissions into batches: a batch runs when `maxBatch` units wait or
 * `maxDelayMs` after its first item arrived. One batch runs at a time per batcher, so under load
 * the queue fills while the previous batch runs and the next one is larger (that is where the
 * throughput comes from). Results are split back to their callers. When a batch of several items
 * fails, each item is retried alone, so one item that fails only fails its own caller.
 */
export class DynamicBatcher<T, R> {
  private readonly queue: Waiting<T, R>[] = [];
  private queuedUnits = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: DynamicBatcherOptions<T, R>) {
    this.maxBatch = options.maxBatch ?? 64;
    this.maxDelayMs = options.maxDelayMs ?? 2;
    if (!(Number.isInteger(this.maxBatch) && this.maxBatch >= 1))
      throw new InvalidArgumentError(`maxBatch must be an integer ≥ 1, got ${this.maxBatch}`);
    if (!(this.maxDelayMs >= 0)) throw new InvalidArgumentError(`maxDelayMs must be ≥ 0, got ${this.maxDelayMs}`);
  }

  /** Units waiting for a batch (not counting the batch that is running). */
  get depth(): number {
    return this.queuedUnits;
  }

  /** Queues `item` and resolves with its result once its batch ran. */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const size = Math.max(1, this.options.size?.(item) ?? 1);
      this.queue.push({ item, size, resolve, reject });
      this.changeDepth(size);
      if (this.queuedUnits >= this.maxBatch) this.flushSoon(0);
      else this.flushSoon(this.maxDelayMs);
    });
  }

  /** Resolves once every item submitted so far has its result. */
  async idle(): Promise<void> {
    while (this.running !== undefined || this.queue.length > 0) {
      this.flushSoon(0);
      await (this.running ?? new Promise<void>((r) => setImmediate(r)));
    }
  }

  private flushSoon(delayMs: number): void {
    if (this.running !== undefined) return; // the running batch flushes again when it ends
    if (this.timer !== undefined) {
      if (delayMs > 0) return; // keep the deadline of the first waiting item
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startBatch();
    }, delayMs);
  }

  private startBatch(): void {
    if (this.queue.length === 0 || this.running !== undefined) return;
    const batch: Waiting<T, R>[] = [];
    let units = 0;
    // Take whole items up to maxBatch units; an item larger than maxBatch forms its own batch.
    while (this.queue.length > 0 && (batch.length === 0 || units + this.queue[0]!.size <= this.maxBatch)) {
      const next = this.queue.shift()!;
      batch.push(next);
      units += next.size;
    }
    this.changeDepth(-units);
    this.running = this.runBatch(batch).finally(() => {
      this.running = undefined;
      // Whatever queued meanwhile has waited at least one batch already: run it now.
      if (this.queue.length > 0) this.flushSoon(0);
    });
  }

  private async runBatch(batch: readonly Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.options.run(batch.map((w) => w.item));
      if (results.length !== batch.length)
        throw new MnemeError('internal', `batch function returned ${results.length} results for ${batch.length} items`);
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // Isolate the failure: rerun each item alone, so only the culprit's caller sees an error.
      for (const w of batch) await this.runBatch([w]);
    }
  }

  private changeDepth(delta: number): void {
    this.queuedUnits += delta;
    this.options.onDepthChange?.(delta);
  }
}
