import type { PoolRef, PoolSpec } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';
import { limitProblem } from '@mneme/config';
import { modelIdProblem } from '@mneme/model-store';
import type { ServiceLimits } from '@mneme/service-runtime';
import { PROMPT_POOL_KINDS, type PromptPoolMethod } from '@mneme/methods';

/** A pool's geometry with the proto defaults applied (L2P: M = 10, L = 5, N = 5; method "l2p"). */
export type ResolvedSpec = Readonly<PoolSpec> & { readonly method: PoolMethod };

/** Whose prompts a pool holds. */
export type PoolMethod = PromptPoolMethod;
const METHODS = Object.keys(PROMPT_POOL_KINDS) as PoolMethod[];

/** Whether a method's pool grows by updates (the prefix methods add prompts per experience). */
export const grows = (method: PoolMethod): boolean => PROMPT_POOL_KINDS[method].prefix;

/** The prompts a method chooses per input from a pool of `m`: DualPrompt's one E-prompt, CODA's every component. */
export const methodTopN = (method: PoolMethod, m: number, requested: number): number => PROMPT_POOL_KINDS[method].topN(m, requested);

/** One version of a pool: its prompts, keys, selection counts and shared tensors. */
export interface PoolVersion {
  readonly ref: Readonly<PoolRef>;
  readonly spec: ResolvedSpec;
  readonly version: number;
  /** float32 `[M, L, hidden]`, row-major. */
  readonly prompts: Float32Array;
  /** float32 `[M, hidden]`, row-major. */
  readonly keys: Float32Array;
  /** How often each prompt was selected in training, length M. */
  readonly selectionCounts: readonly number[];
  /** The model version these prompts and keys belong to (0 = none). */
  readonly modelVersion: number;
  /** The method's shared tensors by name (DualPrompt's G-prompt, CODA's attention vectors); none for L2P. */
  readonly shared: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** Where a pool lives under the service's folder: `<model>/<tenant>` (`_default` for the empty tenant). */
export function poolKey(ref: PoolRef | undefined): { ref: PoolRef; key: string } {
  const modelId = ref?.modelId ?? '';
  const tenant = ref?.tenant ?? '';
  const problems = [modelIdProblem(modelId), tenant === '' ? undefined : modelIdProblem(tenant)?.replace('model id', 'tenant')].filter(
    (p) => p !== undefined,
  );
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  // Tenants start with a letter or digit, so `_default` never collides with a real one.
  return { ref: { modelId, tenant }, key: `${modelId}/${tenant === '' ? '_default' : tenant}` };
}

/**
 * Applies the proto's defaults and checks the geometry, its size against `maxPoolFloats` included,
 * before anything is allocated.
 *
 * @throws InvalidArgumentError listing every bad field
 */
export function resolveSpec(spec: PoolSpec | undefined, limits: ServiceLimits): ResolvedSpec {
  const problems: string[] = [];
  const named = spec?.method ?? '';
  const method = (named === '' ? 'l2p' : named) as PoolMethod;
  const known = METHODS.includes(method);
  if (!known) problems.push(`spec.method '${named}' is not one of ${METHODS.join(', ')}`);
  // An unknown method is refused; the rest of its geometry is judged as the default method's (L2P).
  const kind = PROMPT_POOL_KINDS[known ? method : 'l2p'];
  // A prefix method's pool may start empty: its prompts come with its experiences.
  const poolSize = kind.prefix ? (spec?.poolSize ?? 0) : spec?.poolSize || 10;
  const resolved = {
    poolSize,
    promptLength: spec?.promptLength || 5,
    topN: kind.topN(poolSize, spec?.topN || 5),
    hiddenSize: spec?.hiddenSize ?? 0,
    seed: (spec?.seed ?? 0) % 2 ** 32,
    method,
  };
  if (resolved.hiddenSize < 1) problems.push('spec.hidden_size must be positive: the width of the encoder’s token embeddings');
  if (resolved.topN > resolved.poolSize)
    problems.push(`spec.top_n (${resolved.topN}) must not exceed spec.pool_size (${resolved.poolSize})`);
  // Each factor is below 2^32, so the product is exact enough to compare.
  const floats = resolved.poolSize * resolved.promptLength * Math.max(1, resolved.hiddenSize);
  const over = limitProblem('spec.pool_size × spec.prompt_length × spec.hidden_size', floats, 'maxPoolFloats', limits);
  if (over !== undefined) problems.push(over);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return Object.freeze(resolved);
}

/**
 * Equal method, geometry and seed. A growing pool's size (and so its top N) may differ, and so may
 * its prompt length while either pool is empty (no prompt has fixed it yet).
 */
export function sameSpec(a: ResolvedSpec, b: ResolvedSpec): boolean {
  const sized = grows(a.method) || (a.poolSize === b.poolSize && a.topN === b.topN);
  const length = a.promptLength === b.promptLength || (grows(a.method) && (a.poolSize === 0 || b.poolSize === 0));
  return a.method === b.method && sized && length && a.hiddenSize === b.hiddenSize && a.seed === b.seed;
}
