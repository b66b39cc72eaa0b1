import { PromptPoolServiceClient } from '@mneme/contracts';
import { MnemeError, NotFoundError } from '@mneme/errors';
import type { StrategyState } from '@mneme/methods';
import type { ModelRecord } from '@mneme/model-store';
import { createClient, TENANT_METADATA_KEY, unary, type ClientTls } from '@mneme/rpc';
import { fromWire } from '@mneme/wire';
import { aligned } from '../wire/feature-rows.js';
import { ownerOf } from './model-owners.js';
import { poolOfState, withPool, type ServedPoolValues } from './model-pool.js';

/** A pool version's tensors as served. */
type ServedPool = ServedPoolValues;

/**
 * The prompt pools the encoder and evaluator predict with: for a prompt model version (L2P,
 * DualPrompt, CODA-Prompt), the pool the
 * prompt-pool service holds for that model version (fetched once, kept per version in a small LRU
 * cache), put into the version's state before the strategy restores it. Without a prompt-pool
 * address the version's own pool is used (the stack runs without the service).
 */
export class ServedPools {
  private client: PromptPoolServiceClient | undefined;
  private readonly cache = new Map<string, Promise<ServedPool>>();

  /**
   * @param address `host:port` of the prompt-pool service, resolved at the first fetch (undefined: none)
   * @param capacity pool versions kept
   * @param tls TLS of the connection to the service; plaintext when absent
   * @param token this service's token (scope `service`); undefined when the prompt-pool service runs open
   */
  constructor(
    private readonly address: (() => string | undefined) | undefined,
    private readonly capacity = 16,
    private readonly tls?: ClientTls,
    private readonly token?: string,
  ) {}

  /**
   * `state` (model version `version` of `record`) with the served pool of that version; unchanged
   * for models without a pool, or when there is no prompt-pool service.
   *
   * @throws NotFoundError when the service holds no pool for the version
   */
  async apply(record: ModelRecord, version: number, state: StrategyState): Promise<StrategyState> {
    if (poolOfState(record, state) === undefined) return state;
    const address = this.address?.();
    if (address === undefined) return state;
    const key = `${record.modelId}@${version}`;
    let hit = this.cache.get(key);
    if (hit === undefined) {
      hit = this.fetch(address, record.modelId, version, ownerOf(record));
      hit.catch(() => this.cache.get(key) === hit && this.cache.delete(key));
    } else this.cache.delete(key); // re-inserted below: most recently used last
    this.cache.set(key, hit);
    for (const old of this.cache.keys()) {
      if (this.cache.size <= this.capacity) break;
      this.cache.delete(old);
    }
    return withPool(record.strategy.name, state, await hit, `model '${record.modelId}' version ${version}`);
  }

  /** Stops the client (further calls reconnect). */
  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private async fetch(address: string, modelId: string, version: number, owner: string): Promise<ServedPool> {
    this.client ??= createClient(PromptPoolServiceClient, address, { tls: this.tls, token: this.token });
    const client = this.client;
    try {
      const res = await unary(
        client.getPool.bind(client),
        { pool: { modelId, tenant: '' }, version: 0, modelVersion: version },
        { metadata: { [TENANT_METADATA_KEY]: owner } },
      );
      if (res.prompts === undefined || res.keys === undefined)
        throw new MnemeError('internal', `the prompt-pool service sent pool '${modelId}' without prompts or keys`);
      return {
        prompts: fromWire(aligned(res.prompts), { what: 'served prompts', expectDtype: 'float32', copy: true }).data,
        keys: fromWire(aligned(res.keys), { what: 'served keys', expectDtype: 'float32', copy: true }).data,
        shared: new Map(
          res.shared.map((t) => {
            if (t.value === undefined)
              throw new MnemeError(
                'internal',
                `the prompt-pool service sent shared tensor '${t.name}' of pool '${modelId}' without values`,
              );
            const value = fromWire(aligned(t.value), { what: `served shared tensor '${t.name}'`, expectDtype: 'float32', copy: true });
            return [t.name, { shape: value.shape, data: value.data }];
          }),
        ),
      };
    } catch (err) {
      const e = MnemeError.from(err);
      if (e.kind === 'not-found')
        throw new NotFoundError(
          `model '${modelId}' version ${version} has no prompt pool in the prompt-pool service (${e.message}); the trainer publishes one with every version it saves`,
          { cause: err },
        );
      throw err;
    }
  }
}
