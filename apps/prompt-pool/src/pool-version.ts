import type { PoolRef, PoolSpec } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';
import { limitProblem } from '@mneme/config';
import { modelIdProblem } from '@mneme/model-store';
import type { ServiceLimits } from '@mneme/service-runtime';

/** A pool's geometry with the proto defaults applied (M = 10, L = 5, N = 5). */
export type ResolvedSpec = Readonly<PoolSpec>;

/** One version of a pool: its prompts, keys and selection counts. */
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
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** Where a pool lives under the service's folder: `<model>/<tenant>` (`_default` for the empty tenant). */
export function poolKey(ref: PoolRef | undefined): { ref: PoolRef; key: string } {
  const modelId = ref?.modelId ?? '';
  const tenant = ref?.tenant ?? '';
  const problems = [modelIdProblem(modelId), tenant === '' ? undefined : modelIdProblem(tenant)?.replace('model id', 'tenant')].filter((p) => p !== undefined);
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
  const resolved: PoolSpec = {
    poolSize: spec?.poolSize || 10,
    promptLength: spec?.promptLength || 5,
    topN: spec?.topN || 5,
    hiddenSize: spec?.hiddenSize ?? 0,
    seed: (spec?.seed ?? 0) % 2 ** 32,
  };
  const problems: string[] = [];
  if (resolved.hiddenSize < 1) problems.push('spec.hidden_size must be positive: the width of the encoder’s token embeddings');
  if (resolved.topN > resolved.poolSize) problems.push(`spec.top_n (${resolved.topN}) must not exceed spec.pool_size (${resolved.poolSize})`);
  // Each factor is below 2^32, so the product is exact enough to compare.
  const floats = resolved.poolSize * resolved.promptLength * Math.max(1, resolved.hiddenSize);
  const over = limitProblem('spec.pool_size × spec.prompt_length × spec.hidden_size', floats, 'maxPoolFloats', limits);
  if (over !== undefined) problems.push(over);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return Object.freeze(resolved);
}

/** Equal geometry and seed. */
export function sameSpec(a: ResolvedSpec, b: ResolvedSpec): boolean {
  return a.poolSize === b.poolSize && a.promptLength === b.promptLength && a.topN === b.topN && a.hiddenSize === b.hiddenSize && a.seed === b.seed;
}
