import { join } from 'node:path';
import { PromptPoolServiceService, type PageRequest, type PoolInfo, type SharedTensor, type Tensor as WireTensor } from '@mneme/contracts';
import { InvalidArgumentError, MnemeError, NotFoundError } from '@mneme/errors';
import { ParameterStore } from '@mneme/execution';
import { initPromptPoolYielding, POOL_PARAMS, PROMPT_POOL_KINDS } from '@mneme/methods';
import { defineService } from '@mneme/rpc';
import { tensor } from '@mneme/tensor';
import { fromWire, toWire } from '@mneme/wire';
import { aligned, ResourceOwners } from '@mneme/service-runtime';
import { DEFAULT_SERVICE_LIMITS, countProblems, type ServiceDeps, type ServiceLimits, type ServiceModule } from '@mneme/service-runtime';
import { limitProblem } from '@mneme/config';
import { PoolFiles } from './pool-files.js';
import { grows, methodTopN, poolKey, resolveSpec, sameSpec, type PoolMethod, type PoolVersion } from './pool-version.js';
import { gatherPrompts, selectFor } from './prompt-selection.js';

const DEFAULT_PAGE = 100;

/**
 * The prompt-pool service (prompt_pool.proto): versioned prompt pools (L2P, DualPrompt, CODA-Prompt) per model and tenant,
 * each version an immutable file under `<dataDir>/prompt-pool/<model>/<tenant>/`, written before
 * the call answers. ApplyUpdate is optimistic: it succeeds only from the latest version. A version
 * may be tied to a model version (the trainer publishes one per saved model version); GetPool and
 * SelectPrompts find the newest one tied to a model version through a per-pool index.
 */
export async function createPromptPoolService(deps: ServiceDeps): Promise<ServiceModule> {
  const root = join(deps.dataDir, 'prompt-pool');
  const files = new PoolFiles(root);
  const limits = deps.limits ?? DEFAULT_SERVICE_LIMITS;
  // A pool belongs to the tenant that created it (for a trainer: the model's owner it acts for).
  const owners = new ResourceOwners((key) => join(root, key));
  /** Throws the missing-pool error unless `tenant` owns the pool, so other tenants' pools look missing. */
  const requireOwned = async (ref: Parameters<typeof poolKey>[0], tenant: string): Promise<void> => {
    const { key } = poolKey(ref);
    await owners.require(key, tenant, () => poolNotFound(key));
  };
  const versions = await files.index();
  // The latest version of each pool stays in memory; older ones are read on demand.
  const latest = new Map<string, PoolVersion>();
  /** Per pool: model version → newest pool version published for it. */
  const byModelVersion = new Map<string, Map<number, number>>();
  for (const [key, list] of versions) {
    latest.set(key, await files.load(key, list.at(-1)!));
    byModelVersion.set(key, await files.loadModelVersions(key));
  }
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const find = async (ref: Parameters<typeof poolKey>[0], version: number, modelVersion = 0): Promise<PoolVersion> => {
    const { key } = poolKey(ref);
    if (version !== 0 && modelVersion !== 0)
      throw new InvalidArgumentError(`set version (${version}) or model_version (${modelVersion}), not both`);
    const current = latest.get(key);
    if (current === undefined) throw poolNotFound(key);
    if (modelVersion !== 0) {
      const tied = byModelVersion.get(key)?.get(modelVersion);
      if (tied === undefined) throw new NotFoundError(`pool '${key}' has no version published for model version ${modelVersion}`);
      version = tied;
    }
    if (version === 0 || version === current.version) return current;
    if (!versions.get(key)!.includes(version))
      throw new NotFoundError(`pool '${key}' has no version ${version} (latest is ${current.version})`);
    return files.load(key, version);
  };
  const publish = async (key: string, pool: PoolVersion) => {
    await files.save(key, pool);
    latest.set(key, pool);
    versions.set(key, [...(versions.get(key) ?? []), pool.version]);
    if (pool.modelVersion !== 0) {
      const index = new Map(byModelVersion.get(key));
      index.set(pool.modelVersion, pool.version);
      await files.saveModelVersions(key, index);
      byModelVersion.set(key, index);
    }
  };

  const binding = defineService(PromptPoolServiceService, {
    createPool: (req, ctx) =>
      serially(async () => {
        const { ref, key } = poolKey(req.pool);
        const spec = resolveSpec(req.spec, limits);
        const existing = latest.get(key);
        // Claimed before the first version is written: a pool never exists without its owner.
        await owners.claim(key, ctx.principal.tenant, existing !== undefined);
        if (existing !== undefined) {
          if (!sameSpec(existing.spec, spec)) throw new MnemeError('already-exists', `pool '${key}' exists with another spec`);
          return { pool: infoOf(existing) };
        }
        const store = new ParameterStore();
        // An empty prefix pool has nothing to draw (its prompts come with experiences).
        if (spec.poolSize > 0)
          await initPromptPoolYielding(
            store,
            { size: spec.poolSize, length: spec.promptLength, selected: spec.topN, dim: spec.hiddenSize },
            spec.seed,
          );
        const pool: PoolVersion = {
          ref,
          spec,
          version: 1,
          prompts: spec.poolSize > 0 ? store.get(POOL_PARAMS.prompts).data : new Float32Array(0),
          keys: spec.poolSize > 0 ? store.get(POOL_PARAMS.keys).data : new Float32Array(0),
          selectionCounts: new Array<number>(spec.poolSize).fill(0),
          modelVersion: 0,
          createdAt: Date.now(),
          shared: new Map(),
        };
        await publish(key, pool);
        return { pool: infoOf(pool) };
      }),
    getPool: async (req, ctx) => {
      await requireOwned(req.pool, ctx.principal.tenant);
      const pool = await find(req.pool, req.version, req.modelVersion);
      const { poolSize: m, promptLength: l, hiddenSize: h } = pool.spec;
      const shared: SharedTensor[] = [...pool.shared].map(([name, t]) => ({ name, value: f32Wire(t.data, [...t.shape]) }));
      return {
        info: infoOf(pool),
        prompts: f32Wire(pool.prompts, [m, l, h]),
        keys: f32Wire(pool.keys, [m, h]),
        selectionCounts: [...pool.selectionCounts],
        shared,
      };
    },
    selectPrompts: async (req, ctx) => {
      await requireOwned(req.pool, ctx.principal.tenant);
      const pool = await find(req.pool, req.version, req.modelVersion);
      const { hiddenSize: h, topN: n, promptLength: l } = pool.spec;
      if (!PROMPT_POOL_KINDS[pool.spec.method].selects)
        throw new MnemeError(
          'failed-precondition',
          `pool '${poolKey(req.pool).key}' is CODA-Prompt's: it weights every component by the query's attention instead of choosing some; read the components with GetPool`,
        );
      if (req.queries === undefined) throw new InvalidArgumentError(`queries is missing: send float32 [batch, ${h}]`);
      const queries = fromWire(aligned(req.queries), { what: 'queries', expectDtype: 'float32', expectShape: [null, h] });
      // The answer is sized before it is made: batch selections, and with prompts batch × N × L × hidden floats.
      const problems = countProblems('queries', queries.shape[0]!, 'maxSamplesPerRequest', limits);
      const answer = req.includePrompts
        ? limitProblem(
            'queries × top_n × prompt_length × hidden_size (the prompts answered)',
            queries.shape[0]! * n * l * h,
            'maxPoolFloats',
            limits,
          )
        : undefined;
      if (answer !== undefined) problems.push(answer);
      if (problems.length > 0) throw new InvalidArgumentError(problems);
      const selection = selectFor(pool, queries.data);
      const batch = queries.shape[0]!;
      const selections = Array.from({ length: batch }, (_, r) => ({
        promptIndices: Array.from(selection.indices.subarray(r * n, (r + 1) * n)),
        similarities: Array.from(selection.similarities.subarray(r * n, (r + 1) * n)),
      }));
      return {
        info: infoOf(pool),
        selections,
        prompts: req.includePrompts ? f32Wire(gatherPrompts(pool, selection), [batch, n * l, h]) : undefined,
      };
    },
    applyUpdate: (req, ctx) =>
      serially(async () => {
        await requireOwned(req.pool, ctx.principal.tenant);
        const { key } = poolKey(req.pool);
        const base = await find(req.pool, 0);
        if (req.baseVersion !== base.version) {
          throw new MnemeError(
            'aborted',
            `pool '${key}' is at version ${base.version}, the update was computed from ${req.baseVersion}; reload and retry`,
          );
        }
        const { hiddenSize: h } = base.spec;
        const problems: string[] = [];
        // A prefix method's pool may grow (an experience adds prompts); the update's row count is its
        // size, and the first prompts of an empty pool fix its prompt length.
        const growing = grows(base.spec.method) && req.prompts !== undefined;
        const m = growing ? growingRows(req.prompts!, base.spec.poolSize, problems) : base.spec.poolSize;
        const l = growing && base.spec.poolSize === 0 && m > 0 ? (req.prompts!.shape[1] ?? base.spec.promptLength) : base.spec.promptLength;
        if (l < 1) problems.push(`prompts must hold at least one row per prompt, got shape [${req.prompts!.shape.join(', ')}]`);
        const prompts = decode(req.prompts, 'prompts', [m, l, h], problems);
        const keys = decode(req.keys, 'keys', [m, h], problems);
        const over = limitProblem('the updated pool (pool_size × prompt_length × hidden_size)', m * l * h, 'maxPoolFloats', limits);
        if (over !== undefined) problems.push(over);
        const shared = decodeShared(req.shared, base.spec.method, problems, limits);
        const deltas = req.selectionCountDeltas;
        if (deltas.length !== 0 && deltas.length !== m)
          problems.push(`selection_count_deltas has ${deltas.length} entries; send none or one per prompt (${m})`);
        const counts = Array.from({ length: m }, (_, i) => base.selectionCounts[i] ?? 0);
        // Each value decodes within 2^53 − 1 (the decoder refuses more), but a sum may not: past it a
        // count is no longer exact, and the answers that carry it could fail to serialise.
        if (!counts.every((c, i) => Number.isSafeInteger(c + (deltas[i] ?? 0))))
          problems.push('selection_count_deltas would take a count past 2^53 − 1');
        if (problems.length > 0) throw new InvalidArgumentError(problems);
        const pool: PoolVersion = {
          ...base,
          spec:
            m === base.spec.poolSize && l === base.spec.promptLength
              ? base.spec
              : Object.freeze({ ...base.spec, poolSize: m, promptLength: l, topN: methodTopN(base.spec.method, m, base.spec.topN) }),
          version: base.version + 1,
          prompts: prompts!,
          keys: keys!,
          selectionCounts: counts.map((c, i) => c + (deltas[i] ?? 0)),
          modelVersion: req.modelVersion,
          createdAt: Date.now(),
          shared,
        };
        await publish(key, pool);
        return { pool: infoOf(pool) };
      }),
    listPoolVersions: async (req, ctx) => {
      await requireOwned(req.pool, ctx.principal.tenant);
      const { key } = poolKey(req.pool);
      const all = versions.get(key);
      if (all === undefined) throw poolNotFound(key);
      const { size, from } = page(req.page);
      const newestFirst = all.filter((v) => v <= from).reverse();
      const shown = newestFirst.slice(0, size);
      const infos = await Promise.all(shown.map((v) => find(req.pool, v).then(infoOf)));
      const next = newestFirst[size];
      return { versions: infos, nextPageToken: next === undefined ? '' : String(next) };
    },
  });

  return {
    name: 'prompt-pool',
    bindings: [binding],
    stop: async () => {
      await queue;
    },
  };
}

function infoOf(pool: PoolVersion): PoolInfo {
  return { pool: { ...pool.ref }, spec: { ...pool.spec }, version: pool.version, modelVersion: pool.modelVersion };
}

function f32Wire(data: Float32Array, shape: number[]): WireTensor {
  return toWire(tensor('float32', shape, data));
}

/** A float32 tensor of exactly `shape`, or undefined with the problem recorded. */
function decode(wire: WireTensor | undefined, what: string, shape: number[], problems: string[]): Float32Array | undefined {
  if (wire === undefined) {
    problems.push(`${what} is missing: send float32 [${shape.join(', ')}]`);
    return undefined;
  }
  try {
    return fromWire(aligned(wire), { what, expectDtype: 'float32', expectShape: shape, copy: true }).data;
  } catch (err) {
    problems.push(MnemeError.from(err).message);
    return undefined;
  }
}

/** The rows of a growing pool's update: its prompts' first dimension, at least the base's `m`. */
function growingRows(wire: WireTensor, m: number, problems: string[]): number {
  const rows = wire.shape[0];
  if (wire.shape.length === 0 || rows === undefined) return m;
  if (rows < m) {
    problems.push(`prompts has ${rows} prompts, the pool ${m}: a pool may grow, never shrink`);
    return m;
  }
  return rows;
}

/** The shared tensors of an update: each named once, float32, non-empty; none for L2P. */
function decodeShared(list: readonly SharedTensor[], method: PoolMethod, problems: string[], limits: ServiceLimits): PoolVersion['shared'] {
  const out = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  if (!PROMPT_POOL_KINDS[method].prefix && list.length > 0)
    problems.push(`shared tensors (${list.map((t) => `'${t.name}'`).join(', ')}) belong to the prefix methods; an L2P pool has none`);
  let floats = 0;
  for (const [i, t] of list.entries()) {
    if (t.name === '' || out.has(t.name)) {
      problems.push(t.name === '' ? `shared[${i}] has no name` : `shared tensor '${t.name}' is sent twice`);
      continue;
    }
    const data = decode(t.value, `shared tensor '${t.name}'`, t.value?.shape ?? [], problems);
    if (data === undefined) continue;
    floats += data.length;
    out.set(t.name, { shape: [...(t.value?.shape ?? [])], data });
  }
  const over = limitProblem('the shared tensors’ values', floats, 'maxPoolFloats', limits);
  if (over !== undefined) problems.push(over);
  return out;
}

/** Page size and the newest version to include (the token is the next version number). */
function page(request: PageRequest | undefined): { size: number; from: number } {
  const size = request?.pageSize || DEFAULT_PAGE;
  const token = request?.pageToken ?? '';
  if (token === '') return { size, from: Number.POSITIVE_INFINITY };
  if (!/^\d+$/.test(token)) throw new InvalidArgumentError(`page_token '${token}' is not one this service issued`);
  return { size, from: Number(token) };
}

/** The error for a missing pool; also sent for another tenant's, so the two cannot be told apart. */
function poolNotFound(key: string): NotFoundError {
  return new NotFoundError(`pool '${key}' does not exist; call CreatePool first`);
}
