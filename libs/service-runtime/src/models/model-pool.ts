import type { PoolSpec } from '@mneme/contracts';
import { MnemeError } from '@mneme/errors';
import {
  L2P_DEFAULTS,
  L2P_POOL_SALT,
  POOL_PARAMS,
  prefixPoolOf,
  PROMPT_POOL_KINDS,
  strategyCapabilities,
  withPrefixPool,
  type PoolTensor,
  type PromptPoolMethod,
  type StrategyState,
} from '@mneme/methods';
import type { ModelRecord } from '@mneme/model-store';
import { tensor } from '@mneme/tensor';

/**
 * The prompt pool a strategy's state holds, which the prompt-pool service keeps (its declared
 * `promptPool` capability); undefined for a strategy without one.
 *
 * @throws InvalidArgumentError for an unknown strategy name
 */
export function promptPoolOf(strategy: string): PromptPoolMethod | undefined {
  return strategyCapabilities(strategy).promptPool;
}

/** The prompt pool a model version holds: what the trainer publishes and the encoder serves. */
export interface ModelPool {
  readonly spec: Required<PoolSpec>;
  /** float32 `[M, L, hidden]` (L2P: token embeddings; prefix methods: prefix rows). */
  readonly prompts: Float32Array;
  /** float32 `[M, hidden]`. */
  readonly keys: Float32Array;
  /** Selections per prompt over the experiences the version ended (L2P's diversity history), length M. */
  readonly selectionCounts: readonly number[];
  /** The method's shared tensors (DualPrompt's G-prompt, CODA-Prompt's attention vectors); none for L2P. */
  readonly shared: ReadonlyMap<string, PoolTensor>;
}

/**
 * The prompt pool of a prompt model's saved state, or undefined for a model without one (another
 * strategy, or l2p with `size=0`). For L2P the spec's seed is the one the strategy draws its
 * untrained pool from, so the pool service's CreatePool version 1 is that untrained pool; the
 * prefix methods' pools start empty and grow with their experiences.
 */
export function poolOfState(record: ModelRecord, state: StrategyState): ModelPool | undefined {
  const name = record.strategy.name;
  const method = promptPoolOf(name);
  if (method !== undefined && PROMPT_POOL_KINDS[method].prefix) {
    const pool = prefixPoolOf(name, state);
    if (pool === undefined) return undefined;
    return {
      spec: {
        poolSize: pool.size,
        promptLength: pool.rows,
        topN: PROMPT_POOL_KINDS[method].topN(pool.size, pool.size),
        hiddenSize: pool.hidden,
        seed: record.seed >>> 0,
        method,
      },
      prompts: pool.prompts,
      keys: pool.keys,
      selectionCounts: new Array<number>(pool.size).fill(0),
      shared: pool.shared,
    };
  }
  // What is left is L2P's pool, drawn into the state's parameters (absent with size=0).
  if (method === undefined || !state.params.has(POOL_PARAMS.prompts) || !state.params.has(POOL_PARAMS.keys)) return undefined;
  const prompts = state.params.get(POOL_PARAMS.prompts);
  const [m, l, hidden] = prompts.shape as [number, number, number];
  const select = record.strategy.options['select'];
  const counts = (state.data as { counts?: unknown }).counts;
  return {
    spec: {
      poolSize: m,
      promptLength: l,
      topN: select === undefined ? Math.min(L2P_DEFAULTS.select, m) : Number(select),
      hiddenSize: hidden,
      seed: (record.seed ^ L2P_POOL_SALT) >>> 0,
      method: 'l2p',
    },
    prompts: prompts.data,
    keys: state.params.get(POOL_PARAMS.keys).data,
    selectionCounts: Array.isArray(counts) && counts.length === m ? counts.map(Number) : new Array<number>(m).fill(0),
    shared: new Map(),
  };
}

/** A pool version's values as the prompt-pool service serves them. */
export interface ServedPoolValues {
  readonly prompts: Float32Array;
  readonly keys: Float32Array;
  readonly shared: ReadonlyMap<string, PoolTensor>;
}

/**
 * `state` (of a `strategy` model) with its prompts replaced by served ones (same geometry), so the
 * strategy selects and prompts with the pool the prompt-pool service holds for the version.
 *
 * @throws MnemeError (internal) when the served pool's geometry is not the state's
 */
export function withPool(strategy: string, state: StrategyState, served: ServedPoolValues, what: string): StrategyState {
  const method = promptPoolOf(strategy);
  if (method === undefined || PROMPT_POOL_KINDS[method].prefix) {
    try {
      return withPrefixPool(strategy, state, served, what);
    } catch (err) {
      throw new MnemeError('internal', MnemeError.from(err).message, { cause: err });
    }
  }
  const params = state.params.clone();
  const prompts = params.get(POOL_PARAMS.prompts);
  const keys = params.get(POOL_PARAMS.keys);
  if (served.prompts.length !== prompts.data.length || served.keys.length !== keys.data.length) {
    throw new MnemeError(
      'internal',
      `${what}: the served pool holds ${served.prompts.length} prompt and ${served.keys.length} key values, the version's state ${prompts.data.length} and ${keys.data.length}`,
    );
  }
  params.set(POOL_PARAMS.prompts, tensor('float32', [...prompts.shape], served.prompts.slice()));
  params.set(POOL_PARAMS.keys, tensor('float32', [...keys.shape], served.keys.slice()));
  return { params, data: state.data };
}
