import { connect, MnemeError, type ConnectOptions, type MnemeClient } from '@mneme/client';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Where the stack listens (`mneme up` serves every service on one address). */
  readonly address: string;
  /** How the clients connect (TLS, token, ...). */
  readonly connect?: ConnectOptions;
  /** Concurrent clients: half ingest, half predict. @default 64 */
  readonly clients?: number;
  /** How long the clients send, in ms. */
  readonly durationMs: number;
  /** Samples per Ingest call. @default 10 */
  readonly ingestBatch?: number;
  /** Inputs per Predict call. @default 4 */
  readonly predictBatch?: number;
  /** Model to create and load. @default 'load' */
  readonly modelId?: string;
  /** How long to wait, after the clients stop, for every accepted sample to be trained. @default 60000 */
  readonly drainTimeoutMs?: number;
}

/** What one RPC saw during a load run. */
export interface RpcLoad {
  readonly calls: number;
  /** Calls answered RESOURCE_EXHAUSTED (a tenant's limit): allowed under load. */
  readonly exhausted: number;
  /** Any other failure, by error kind: must be none. */
  readonly errors: Readonly<Record<string, number>>;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** The outcome of {@link runLoad}. */
export interface LoadResult {
  readonly seconds: number;
  readonly ingest: RpcLoad;
  readonly predict: RpcLoad;
  /** Samples the trainer accepted (duplicates excluded). */
  readonly accepted: number;
  /** Samples trained once the experience closed: equals `accepted` when nothing was lost. */
  readonly trained: number;
}

const WIDTH = 8;
const vector = (i: number) => Float32Array.from({ length: WIDTH }, (_, d) => Math.sin(i * 0.7 + d) + (i % 2 === 0 ? 1 : -1));

/**
 * Puts a running stack under load: `clients` concurrent clients, half streaming Ingest calls of
 * new samples into one experience, half asking Predict of the served version, for `durationMs`.
 * Then closes the experience and waits until the trainer has trained every accepted sample.
 * Records latency percentiles and failures per RPC (RESOURCE_EXHAUSTED apart: a limit working).
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const clients = options.clients ?? 64;
  const ingestBatch = options.ingestBatch ?? 10;
  const predictBatch = options.predictBatch ?? 4;
  const modelId = options.modelId ?? 'load';
  const admin = await connect(options.address, options.connect);
  try {
    await admin.createModel({ modelId, base: `mlp:${WIDTH}-16`, strategy: 'naive', labels: ['even', 'odd'], seed: 1 });
    const connections = await Promise.all(Array.from({ length: clients }, () => connect(options.address, options.connect)));
    const stats = { ingest: new RpcStats(), predict: new RpcStats() };
    let accepted = 0;
    const started = performance.now();
    const until = started + options.durationMs;
    await Promise.all(
      connections.map(async (client, c) => {
        for (let n = 0; performance.now() < until; n++) {
          if (c % 2 === 0) {
            const samples = Array.from({ length: ingestBatch }, (_, i) => {
              const k = (n * clients + c) * ingestBatch + i;
              return { id: `c${c}-${n}-${i}`, label: k % 2 === 0 ? 'even' : 'odd', features: vector(k), experience: 0 };
            });
            const res = await stats.ingest.time(() => client.ingest(modelId, samples));
            if (res !== undefined) accepted += res.accepted;
          } else {
            await stats.predict.time(() =>
              client.predict(
                modelId,
                Array.from({ length: predictBatch }, (_, i) => vector(n + i)),
                { topK: 1 },
              ),
            );
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    for (const c of connections) c.close();
    const trained = await trainedAfterClose(admin, modelId, accepted, options.drainTimeoutMs ?? 60_000);
    return { seconds, ingest: stats.ingest.summary(seconds), predict: stats.predict.summary(seconds), accepted, trained };
  } finally {
    admin.close();
  }
}

/** Closes experience 0 with the accepted count and waits until that many samples are trained. */
async function trainedAfterClose(admin: MnemeClient, modelId: string, accepted: number, timeoutMs: number): Promise<number> {
  await admin.closeExperience(modelId, 0);
  const deadline = Date.now() + timeoutMs;
  let trained = 0;
  while (Date.now() < deadline) {
    trained = (await admin.trainingStatus(modelId)).samplesTrained;
    if (trained >= accepted) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return trained;
}

/** Latencies and outcomes of one RPC's calls. */
class RpcStats {
  readonly #latencies: number[] = [];
  #exhausted = 0;
  readonly #errors: Record<string, number> = {};

  /** Runs one call and records it; undefined when it failed. */
  async time<T>(call: () => Promise<T>): Promise<T | undefined> {
    const t0 = performance.now();
    try {
      return await call();
    } catch (err) {
      const kind = MnemeError.from(err).kind;
      if (kind === 'resource-exhausted') this.#exhausted++;
      else this.#errors[kind] = (this.#errors[kind] ?? 0) + 1;
      return undefined;
    } finally {
      this.#latencies.push(performance.now() - t0);
    }
  }

  summary(seconds: number): RpcLoad {
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    return {
      calls: sorted.length,
      exhausted: this.#exhausted,
      errors: { ...this.#errors },
      perSecond: sorted.length / seconds,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
    };
  }
}
