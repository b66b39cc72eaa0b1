import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '@mneme/errors';
import { encodeModel, estimateFlops, type Model } from '@mneme/graph';
import { type Tensor } from '@mneme/tensor';
import { InferenceSession } from 'onnxruntime-node';
import { CompiledSession, type SessionRunOptions } from './compiled-session.js';
import { EngineError } from './engine-error.js';
import {
  type DeviceRequest,
  deviceRequestFromEnv,
  type DeviceResolution,
  type ProviderProbe,
  resolveDevice,
} from './execution-providers.js';
import { type InputSpec } from './feed-validation.js';
import { type Logger, silentLogger } from './logger.js';
import { SessionCache, type SessionCacheStats } from './session-cache.js';

/** ONNX Runtime graph optimisation levels. */
export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

/** Options of {@link Engine.create}; every field has a documented default. */
export interface EngineOptions {
  /** Device to run on. @default `MNEME_DEVICE` from the environment, else `'auto'` */
  device?: DeviceRequest;
  /** Provider probe (tests inject one). @default probeExecutionProvider */
  probe?: ProviderProbe;
  /** Where the device choice, compiles and failures are logged. @default silentLogger */
  logger?: Logger;
  /** Threads inside one operator. @default `MNEME_THREADS` from the environment, else os.availableParallelism() */
  intraOpNumThreads?: number;
  /** Threads across operators; sessions run sequentially, so more rarely helps. @default 1 */
  interOpNumThreads?: number;
  /**
   * Graph optimisation level of sessions; overridable per session. `all` speeds up backward graphs
   * (≈12% measured), `basic` was slightly better for forward-only graphs. @default 'all'
   */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * Let idle ORT worker threads spin. Faster (5–25% measured) but burns CPU; turn off when services
   * share a few cores. @default true
   */
  allowSpinning?: boolean;
  /**
   * Graphs with fewer FLOPs per run than this run on one intra-op thread. 0 disables. 20e6 keeps a
   * batch-10 MLP forward (9.5 MFLOP) on one thread and gives its train step (28 MFLOP) two, which
   * measured 15% faster there. @default 20e6
   */
  smallGraphFlops?: number;
  /** Most sessions kept; the least recently used is released beyond it. @default 16 */
  maxCachedSessions?: number;
  /** CUDA device ordinal when running on CUDA. @default 0 */
  cudaDeviceId?: number;
}

/** The settings an engine runs with, after defaults. */
export interface EngineSettings {
  /** Threads inside one operator. */
  readonly intraOpNumThreads: number;
  /** Threads across operators. */
  readonly interOpNumThreads: number;
  /** Default graph optimisation level. */
  readonly graphOptimizationLevel: GraphOptimizationLevel;
  /** Whether idle worker threads spin. */
  readonly allowSpinning: boolean;
  readonly smallGraphFlops: number;
  /** Session cache bound. */
  readonly maxCachedSessions: number;
  /** CUDA device ordinal. */
  readonly cudaDeviceId: number;
}

/** Per-session options of {@link Engine.session}. */
export interface SessionOptions {
  /** Overrides the engine's graph optimisation level for this graph. */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * FLOPs of the runs this session will serve, for a graph with symbolic dims (whose own FLOPs are
   * unknown): picks the thread count like `smallGraphFlops`, so a symbolic graph gets at most two
   * sessions, one per thread count. @default estimated from the graph's static shapes
   */
  flopsPerRun?: number;
}

const LEVELS: readonly GraphOptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];

/**
 * Runs @mneme/graph models on ONNX Runtime: picks the execution provider once, holds the thread
 * settings, and caches one session per (model bytes, input shapes, session settings) with an LRU
 * bound. Treat a model as read-only once handed to the engine: its hash is memoised by identity
 * (hashing large models on every run would cost more than the run); pass a copy after editing.
 */
export class Engine {
  private readonly cache: SessionCache<CompiledSession>;
  // Identity memo of model hashes; weak so dropped models free their entries.
  private readonly hashes = new WeakMap<Model, string>();

  private constructor(
    /** The provider sessions run on, and why it was chosen. */
    readonly device: DeviceResolution,
    /** Thread and optimisation settings. */
    readonly settings: EngineSettings,
    private readonly logger: Logger,
  ) {
    this.cache = new SessionCache(settings.maxCachedSessions, (session, key) => {
      logger.debug('session evicted', { key });
      return session.retire();
    });
  }

  /**
   * Validates options, resolves the device (logging the choice and its reason) and returns an engine.
   *
   * @throws InvalidArgumentError listing every bad option
   * @throws EngineError `failed-precondition` when the requested device cannot load
   */
  static async create(options: EngineOptions = {}): Promise<Engine> {
    const settings = resolveSettings(options);
    const logger = options.logger ?? silentLogger;
    const request = options.device ?? deviceRequestFromEnv();
    const device = await resolveDevice(request, { logger, ...(options.probe === undefined ? {} : { probe: options.probe }) });
    logger.info('engine ready', { provider: device.provider, ...settings });
    return new Engine(device, settings, logger);
  }

  /**
   * The session for `model` (created on first use, then cached). Models must have static shapes
   * (use @mneme/graph `specialize` first); symbolic dims are checked for consistency only.
   *
   * @throws EngineError `internal` when ONNX Runtime rejects the model
   */
  async session(model: Model, options: SessionOptions = {}): Promise<CompiledSession> {
    const level = options.graphOptimizationLevel ?? this.settings.graphOptimizationLevel;
    if (!LEVELS.includes(level))
      throw new InvalidArgumentError(`graphOptimizationLevel must be one of ${LEVELS.join(', ')}, got ${String(level)}`);
    const { hash, bytes } = this.hashOf(model);
    const inputs = inputSpecs(model);
    const shapes = inputs.map((i) => `${i.name}:${i.dtype}[${(i.shape ?? ['?']).join(',')}]`).join(';');
    const threads = this.threadsFor(model, options.flopsPerRun);
    const key = `${hash}|${createHash('sha1').update(shapes).digest('hex').slice(0, 16)}|${level}|t${threads}`;
    return this.cache.get(key, async () => {
      const started = performance.now();
      const data = bytes ?? encodeModel(model);
      let session: InferenceSession;
      try {
        session = await InferenceSession.create(data, this.ortOptions(level, threads));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.logger.error('session creation failed', { key, graph: model.graph.name, inputs: shapes, error: message });
        throw new EngineError('internal', `ONNX Runtime rejected graph '${model.graph.name}': ${message}`, { cause: error });
      }
      this.logger.debug('session created', { key, graph: model.graph.name, ms: Math.round(performance.now() - started) });
      return new CompiledSession(
        key,
        inputs,
        model.graph.outputs.map((o) => o.name),
        session,
        this.logger,
      );
    });
  }

  /** Runs `model` once on `feeds` (through the session cache). See {@link CompiledSession.run}. */
  async run(
    model: Model,
    feeds: Readonly<Record<string, Tensor>>,
    options: SessionRunOptions & SessionOptions = {},
  ): Promise<Record<string, Tensor>> {
    const session = await this.session(model, options);
    return session.run(feeds, options);
  }

  /**
   * Frees the sessions of `models` (every shape, thread count and optimisation level), for graphs
   * the caller will not run again. Sessions still running finish first. Returns how many were freed;
   * running a model later compiles it again.
   */
  release(models: readonly Model[]): number {
    const hashes = new Set(models.map((m) => this.hashes.get(m)).filter((h): h is string => h !== undefined));
    if (hashes.size === 0) return 0;
    const freed = this.cache.drop((key) => hashes.has(key.slice(0, key.indexOf('|'))));
    this.logger.debug('sessions released', { models: models.length, sessions: freed });
    return freed;
  }

  /** Session cache counters. */
  cacheStats(): SessionCacheStats {
    return this.cache.stats();
  }

  /** Releases every cached session. The engine stays usable; sessions are recreated on demand. */
  async dispose(): Promise<void> {
    await this.cache.clear();
  }

  private hashOf(model: Model): { hash: string; bytes: Uint8Array | undefined } {
    const memo = this.hashes.get(model);
    // Only the hash is kept: the bytes are needed once, for the session about to be created.
    if (memo !== undefined) return { hash: memo, bytes: undefined };
    const bytes = encodeModel(model);
    const hash = createHash('sha1').update(bytes).digest('hex');
    this.hashes.set(model, hash);
    return { hash, bytes };
  }

  /**
   * Intra-op threads for a graph: one for graphs below `smallGraphFlops` (their ops are too small
   * to split, and waking a second thread costs more than it saves, worse on a shared machine),
   * the configured count otherwise (also when the FLOPs are unknown).
   */
  private threadsFor(model: Model, flopsPerRun: number | undefined): number {
    const s = this.settings;
    if (s.intraOpNumThreads === 1 || s.smallGraphFlops <= 0) return s.intraOpNumThreads;
    let flops = flopsPerRun;
    if (flops === undefined) {
      try {
        flops = estimateFlops(model);
      } catch {
        return s.intraOpNumThreads;
      }
    }
    return Number.isFinite(flops) && flops < s.smallGraphFlops ? 1 : s.intraOpNumThreads;
  }

  private ortOptions(level: GraphOptimizationLevel, intraOpNumThreads: number): InferenceSession.SessionOptions {
    const s = this.settings;
    const spin = s.allowSpinning ? '1' : '0';
    return {
      executionProviders: this.device.provider === 'cuda' ? [{ name: 'cuda', deviceId: s.cudaDeviceId }, 'cpu'] : ['cpu'],
      intraOpNumThreads,
      interOpNumThreads: s.interOpNumThreads,
      graphOptimizationLevel: level,
      executionMode: 'sequential',
      logSeverityLevel: 3,
      extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
    };
  }
}

/** What each graph input must be: graph dtype names, declared dims; initializer-shadowing inputs are optional. */
export function inputSpecs(model: Model): InputSpec[] {
  const g = model.graph;
  return g.inputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape, optional: g.initializers.has(v.name) }));
}

/**
 * Parses `MNEME_THREADS`, the intra-op thread count (unset or empty: undefined, every core).
 *
 * @throws InvalidArgumentError for anything but a positive integer, saying how to fix it
 */
export function threadsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): number | undefined {
  const raw = (env['MNEME_THREADS'] ?? '').trim();
  if (raw === '') return undefined;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(
      `MNEME_THREADS=${env['MNEME_THREADS']} is not a thread count; set it to a positive integer (e.g. MNEME_THREADS=1) or unset it to use every core`,
    );
  }
  return n;
}

function resolveSettings(options: EngineOptions): EngineSettings {
  const problems: string[] = [];
  const positiveInt = (name: string, value: number | undefined, fallback: number, min = 1): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min) problems.push(`${name} must be an integer ≥ ${min}, got ${value}`);
    return value;
  };
  const settings: EngineSettings = {
    intraOpNumThreads: positiveInt('intraOpNumThreads', options.intraOpNumThreads ?? threadsFromEnv(), Math.max(1, availableParallelism())),
    interOpNumThreads: positiveInt('interOpNumThreads', options.interOpNumThreads, 1),
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    allowSpinning: options.allowSpinning ?? true,
    smallGraphFlops: options.smallGraphFlops ?? 20e6,
    maxCachedSessions: positiveInt('maxCachedSessions', options.maxCachedSessions, 16),
    cudaDeviceId: positiveInt('cudaDeviceId', options.cudaDeviceId, 0, 0),
  };
  if (!LEVELS.includes(settings.graphOptimizationLevel)) {
    problems.push(`graphOptimizationLevel must be one of ${LEVELS.join(', ')}, got ${String(settings.graphOptimizationLevel)}`);
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return Object.freeze(settings);
}
