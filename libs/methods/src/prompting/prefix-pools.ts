/**
 * The prefix-prompt strategies' prompts as a prompt pool, the form the prompt-pool service holds
 * (prompt_pool.proto): keyed prompts of `rows × hidden` values plus named shared tensors.
 *
 * - DualPrompt: each E-prompt is a keyed prompt (its prefix rows, [layers · 2 · length] rows of
 *   hidden), its key the E-prompt's key; the G-prompt is shared (`g_prompt`).
 * - CODA-Prompt: each component is a keyed prompt, with its key; the attention vectors are shared
 *   (`attention`, [components, hidden]).
 *
 * {@link prefixPoolOf} reads a saved state; {@link withPrefixPool} writes served values back into
 * one, refusing values of another geometry.
 */
import { InvalidArgumentError } from '@mneme/errors';
import { tensor } from '@mneme/tensor';
import { CODA_PROMPT_PARAMS } from './coda-prompt.js';
import { DUAL_PROMPT_PARAMS } from './dual-prompt.js';
import { L2P_IO } from './l2p-graphs.js';
import type { StrategyState } from '../strategy.js';

/** Strategies whose prompts form a prefix pool. */
export const PREFIX_POOL_STRATEGIES: ReadonlySet<string> = new Set(['dual-prompt', 'coda-prompt']);

/** A shared tensor of a prefix pool. */
export interface PoolTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A prefix strategy's prompts as a pool. */
export interface PrefixPool {
  readonly method: 'dual-prompt' | 'coda-prompt';
  readonly hidden: number;
  /** Keyed prompts. */
  readonly size: number;
  /** Rows of `hidden` values per keyed prompt (1 for an empty pool whose prompts have no shape yet). */
  readonly rows: number;
  /** float32 `[size, rows, hidden]`. */
  readonly prompts: Float32Array;
  /** float32 `[size, hidden]`. */
  readonly keys: Float32Array;
  readonly shared: ReadonlyMap<string, PoolTensor>;
}

/** The pool of a DualPrompt or CODA-Prompt state; undefined for any other strategy. */
export function prefixPoolOf(strategy: string, state: StrategyState): PrefixPool | undefined {
  if (!PREFIX_POOL_STRATEGIES.has(strategy) || !state.params.has(L2P_IO.headWeight)) return undefined;
  const hidden = state.params.get(L2P_IO.headWeight).shape[0]!;
  if (strategy === 'dual-prompt') {
    if (!state.params.has(DUAL_PROMPT_PARAMS.g) && !state.params.has(DUAL_PROMPT_PARAMS.expertPrompt(0))) return undefined;
    const experts: number[] = [];
    while (state.params.has(DUAL_PROMPT_PARAMS.expertPrompt(experts.length))) experts.push(experts.length);
    const width = experts.length === 0 ? hidden : state.params.get(DUAL_PROMPT_PARAMS.expertPrompt(0)).data.length;
    const prompts = new Float32Array(experts.length * width);
    const keys = new Float32Array(experts.length * hidden);
    for (const e of experts) {
      prompts.set(state.params.get(DUAL_PROMPT_PARAMS.expertPrompt(e)).data, e * width);
      keys.set(state.params.get(DUAL_PROMPT_PARAMS.expertKey(e)).data, e * hidden);
    }
    const shared = new Map<string, PoolTensor>();
    if (state.params.has(DUAL_PROMPT_PARAMS.g)) {
      const g = state.params.get(DUAL_PROMPT_PARAMS.g).data;
      shared.set('g_prompt', { shape: [g.length / hidden, hidden], data: g.slice() });
    }
    return { method: 'dual-prompt', hidden, size: experts.length, rows: width / hidden, prompts, keys, shared };
  }
  if (!state.params.has(CODA_PROMPT_PARAMS.components)) return undefined;
  const components = state.params.get(CODA_PROMPT_PARAMS.components);
  const [count, width] = components.shape as [number, number];
  const attention = state.params.get(CODA_PROMPT_PARAMS.attention).data;
  return {
    method: 'coda-prompt',
    hidden,
    size: count,
    rows: width / hidden,
    prompts: components.data.slice(),
    keys: state.params.get(CODA_PROMPT_PARAMS.keys).data.slice(),
    shared: new Map([['attention', { shape: [count, hidden], data: attention.slice() }]]),
  };
}

/**
 * `state` with its prompts replaced by served ones of the same geometry, so the strategy predicts
 * with what the prompt-pool service holds for the version.
 *
 * @throws InvalidArgumentError naming what differs when the served pool is not the state's shape
 */
export function withPrefixPool(
  strategy: string,
  state: StrategyState,
  served: { readonly prompts: Float32Array; readonly keys: Float32Array; readonly shared: ReadonlyMap<string, PoolTensor> },
  what: string,
): StrategyState {
  const own = prefixPoolOf(strategy, state);
  if (own === undefined) throw new InvalidArgumentError(`${what}: strategy '${strategy}' keeps no prefix pool`);
  const problems: string[] = [];
  if (served.prompts.length !== own.prompts.length)
    problems.push(`prompts hold ${served.prompts.length} values, the state ${own.prompts.length}`);
  if (served.keys.length !== own.keys.length) problems.push(`keys hold ${served.keys.length} values, the state ${own.keys.length}`);
  for (const [name, t] of own.shared) {
    const got = served.shared.get(name);
    if (got === undefined || got.data.length !== t.data.length)
      problems.push(`shared tensor '${name}' holds ${got?.data.length ?? 'no'} values, the state ${t.data.length}`);
  }
  for (const name of served.shared.keys())
    if (!own.shared.has(name))
      problems.push(`shared tensor '${name}' is not one of the state's (${[...own.shared.keys()].join(', ') || 'none'})`);
  if (problems.length > 0)
    throw new InvalidArgumentError(`${what}: the served prompt pool does not fit the version's state: ${problems.join('; ')}`);
  const params = state.params.clone();
  const put = (name: string, data: Float32Array) => params.set(name, tensor('float32', [...params.get(name).shape], data.slice()));
  const width = own.rows * own.hidden;
  if (strategy === 'dual-prompt') {
    for (let e = 0; e < own.size; e++) {
      put(DUAL_PROMPT_PARAMS.expertPrompt(e), served.prompts.subarray(e * width, (e + 1) * width));
      put(DUAL_PROMPT_PARAMS.expertKey(e), served.keys.subarray(e * own.hidden, (e + 1) * own.hidden));
    }
    const g = served.shared.get('g_prompt');
    if (g !== undefined) put(DUAL_PROMPT_PARAMS.g, g.data);
  } else {
    put(CODA_PROMPT_PARAMS.components, served.prompts);
    put(CODA_PROMPT_PARAMS.keys, served.keys);
    put(CODA_PROMPT_PARAMS.attention, served.shared.get('attention')!.data);
  }
  return { params, data: state.data };
}
