import { PromptPoolServiceClient, type PoolRef } from '@mneme/contracts';
import { MnemeError } from '@mneme/errors';
import type { FileModelStore, VersionRecord } from '@mneme/model-store';
import { createClient, TENANT_METADATA_KEY, unary, type CallSettings, type ClientTls, type Logger } from '@mneme/rpc';
import { tensor } from '@mneme/tensor';
import { toWire } from '@mneme/wire';
import { ownerOf, poolOfState, promptPoolOf, type ModelPool } from '@mneme/service-runtime';

/** Publishes the prompt pool of every saved version of a prompt model (L2P, DualPrompt, CODA-Prompt). */
export interface PoolPublisher {
  /**
   * Publishes `version`'s pool as a pool version tied to it; idempotent per version (a replay after
   * a crash publishes nothing twice). Nothing happens for models without a pool.
   */
  publish(version: VersionRecord): Promise<void>;
  close(): void;
}

/** Options of {@link remotePoolPublisher}. */
export interface PoolPublisherOptions {
  /** `host:port` of the prompt-pool service, resolved at the first publish (undefined: none). */
  readonly address: (() => string | undefined) | undefined;
  /** TLS of the connection to the service; plaintext when absent. */
  readonly tls?: ClientTls | undefined;
  readonly store: FileModelStore;
  readonly logger: Logger;
  /** How long an unreachable service is retried before the publish fails. @default 60000 */
  readonly retryForMs?: number;
  /** The trainer's service token; undefined when the prompt-pool service runs open. */
  readonly token?: string | undefined;
}

/** Tries of an update that lost a race with another writer of the pool (ABORTED). */
const TRIES = 5;
/** Errors a later try may not see (the service restarting). */
const TRANSIENT: ReadonlySet<string> = new Set(['unavailable', 'deadline-exceeded']);

/**
 * The trainer's pool publisher: a prompt model's pool (prompts, keys, selection counts, shared tensors) goes to the
 * prompt-pool service (per model, default tenant) before the version is announced, so the encoder
 * and evaluator find it when they load the version. The pool is created on first use with the
 * strategy's seed (its version 1 is the untrained pool); each model version then adds a pool
 * version through ApplyUpdate with `model_version`. Without an address nothing is published (the
 * encoder and evaluator then use the version's own pool).
 */
export function remotePoolPublisher(options: PoolPublisherOptions): PoolPublisher {
  let client: PromptPoolServiceClient | undefined;
  /** Versions published by this process (skips a lookup when a version is announced again). */
  const published = new Set<string>();
  /** Whether each model seen is a prompt model (records never change): other models cost one read, once. */
  const prompted = new Map<string, boolean>();
  return {
    async publish(version) {
      const key = `${version.modelId}@${version.version}`;
      if (published.has(key)) return;
      const address = options.address?.();
      if (address === undefined) return;
      if (prompted.get(version.modelId) === false) return;
      const record = await options.store.getModel(version.modelId);
      const hasPool = promptPoolOf(record.strategy.name) !== undefined;
      prompted.set(version.modelId, hasPool);
      if (!hasPool) return;
      const pool = poolOfState(record, await options.store.loadVersionState(version.modelId, version.version));
      if (pool === undefined) return;
      client ??= createClient(PromptPoolServiceClient, address, { tls: options.tls, token: options.token });
      const c = client;
      // The pool is the model owner's: the calls act for that tenant.
      const as: CallSettings = { metadata: { [TENANT_METADATA_KEY]: ownerOf(record) } };
      // A restarting prompt-pool service is waited for: the version is announced only once its pool is in.
      const deadline = Date.now() + (options.retryForMs ?? 60_000);
      for (let delay = 100; ; delay = Math.min(5_000, delay * 2)) {
        try {
          await publishPool(c, version, pool, options.logger, as);
          break;
        } catch (err) {
          const e = MnemeError.from(err);
          if (!TRANSIENT.has(e.kind) || Date.now() + delay > deadline) {
            throw new MnemeError(
              e.kind,
              `could not publish the prompt pool of model '${version.modelId}' version ${version.version} to the prompt-pool service at ${address}: ${e.message}`,
              { cause: err },
            );
          }
          options.logger.warn('the prompt-pool service is unreachable; retrying', {
            model: version.modelId,
            version: version.version,
            error: e.message,
            retryInMs: delay,
          });
          await new Promise((r) => setTimeout(r, delay));
        }
      }
      published.add(key);
    },
    close() {
      client?.close();
      client = undefined;
    },
  };
}

/**
 * Publishes one version's pool unless the service has one for it already: creates the pool on first
 * use, then adds a pool version tied to the model version on top of the latest (retrying when
 * another writer got in between).
 */
async function publishPool(
  c: PromptPoolServiceClient,
  version: VersionRecord,
  pool: ModelPool,
  logger: Logger,
  as: CallSettings,
): Promise<void> {
  const ref: PoolRef = { modelId: version.modelId, tenant: '' };
  const exists = await unary(c.getPool.bind(c), { pool: ref, version: 0, modelVersion: version.version }, as).then(
    () => true,
    (err: unknown) => {
      if (MnemeError.from(err).kind === 'not-found') return false;
      throw err;
    },
  );
  if (exists) return;
  await unary(c.createPool.bind(c), { pool: ref, spec: pool.spec }, as);
  const { poolSize: m, promptLength: l, hiddenSize: h } = pool.spec;
  for (let attempt = 1; ; attempt++) {
    const latest = await unary(c.getPool.bind(c), { pool: ref, version: 0, modelVersion: 0 }, as);
    // Counts are cumulative in the model's state: send what the pool does not hold yet.
    const deltas = pool.selectionCounts.map((n, i) => Math.max(0, n - (latest.selectionCounts[i] ?? 0)));
    try {
      const { pool: info } = await unary(
        c.applyUpdate.bind(c),
        {
          pool: ref,
          baseVersion: latest.info!.version,
          prompts: toWire(tensor('float32', [m, l, h], pool.prompts)),
          keys: toWire(tensor('float32', [m, h], pool.keys)),
          selectionCountDeltas: deltas,
          modelVersion: version.version,
          shared: [...pool.shared].map(([name, t]) => ({ name, value: toWire(tensor('float32', [...t.shape], t.data)) })),
        },
        as,
      );
      logger.info('published the prompt pool of a model version', {
        model: version.modelId,
        version: version.version,
        poolVersion: info?.version,
      });
      return;
    } catch (err) {
      if (MnemeError.from(err).kind !== 'aborted' || attempt >= TRIES) throw err;
    }
  }
}
