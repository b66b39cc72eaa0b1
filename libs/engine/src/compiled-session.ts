import { type Tensor } from '@mneme/tensor';
import { type InferenceSession, type Tensor as OrtTensor } from 'onnxruntime-node';
import { EngineError } from './engine-error.js';
import { checkFeeds, type InputSpec } from './feed-validation.js';
import { InvalidArgumentError } from '@mneme/errors';
import { type Logger } from './logger.js';
import { fromOrtTensor, toOrtTensor } from './ort-tensors.js';

/** Options of {@link CompiledSession.run}. */
export interface SessionRunOptions {
  /** Outputs to compute. @default every graph output */
  fetches?: readonly string[];
}

/**
 * One ONNX Runtime session for one graph and input shapes. Feeds are checked against the graph's
 * declared inputs before every run, and every problem is reported at once. Made by `Engine.session`.
 */
export class CompiledSession {
  private inFlight = 0;
  private retired = false;
  private released = false;

  constructor(
    /** Cache key: hash of the model bytes, input shapes and session settings. */
    readonly key: string,
    /** What each input must be. */
    readonly inputs: readonly InputSpec[],
    /** Graph output names, in graph order. */
    readonly outputs: readonly string[],
    private readonly session: InferenceSession,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs the graph. Outputs are fresh tensors owned by the caller.
   *
   * @throws InvalidArgumentError listing every missing, unknown, mis-typed or mis-shaped feed, or unknown fetch
   * @throws EngineError `internal` when ONNX Runtime fails (the feeds' shapes and dtypes are logged, never data)
   */
  async run(feeds: Readonly<Record<string, Tensor>>, options: SessionRunOptions = {}): Promise<Record<string, Tensor>> {
    if (this.released) throw new EngineError('failed-precondition', `session ${this.key} was released; get a new one from the engine`);
    const fetches = options.fetches ?? this.outputs;
    const problems = checkFeeds(this.inputs, feeds);
    const unknown = fetches.filter((f) => !this.outputs.includes(f));
    if (unknown.length > 0)
      problems.push(`unknown fetch ${unknown.map((f) => `'${f}'`).join(', ')}; the graph's outputs are ${this.outputs.join(', ')}`);
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(t);
    this.inFlight++;
    try {
      const result = await this.session.run(ortFeeds, [...fetches]);
      const out: Record<string, Tensor> = {};
      for (const name of fetches) {
        const value = result[name];
        if (value === undefined) throw new EngineError('internal', `session ${this.key} returned no output '${name}'`);
        out[name] = fromOrtTensor(name, value);
      }
      return out;
    } catch (error) {
      if (error instanceof EngineError) throw error;
      const shapes = Object.fromEntries(Object.entries(feeds).map(([n, t]) => [n, `${t.dtype}[${t.shape.join(', ')}]`]));
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error('session run failed', { session: this.key, feeds: shapes, error: message });
      throw new EngineError('internal', `ONNX Runtime failed to run session ${this.key}: ${message}`, { cause: error });
    } finally {
      this.inFlight--;
      if (this.retired && this.inFlight === 0) await this.release();
    }
  }

  /** Frees the session once no run is in progress (the cache calls this on eviction). */
  async retire(): Promise<void> {
    this.retired = true;
    // A caller may hold this session from the engine without having started its run yet (it runs
    // in the continuation of its await): freeing waits a turn of the event loop, so such a run
    // starts first and frees the session when it ends.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.inFlight === 0) await this.release();
  }

  /** Whether the native session has been freed. */
  get isReleased(): boolean {
    return this.released;
  }

  private async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}
