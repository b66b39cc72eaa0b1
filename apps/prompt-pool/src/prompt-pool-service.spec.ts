import { PromptPoolServiceClient, type PoolRef } from '@mneme/contracts';
import { unary } from '@mneme/rpc';
import { fromWire } from '@mneme/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SERVICE_LIMITS, type ServiceDeps } from '@mneme/service-runtime';
import { failure, tempDataDir, removeDir, serve, type Served, testDeps } from '@mneme/testing';
import { aligned } from '@mneme/service-runtime';
import { f32 } from '@mneme/testing';
import { createPromptPoolService } from './prompt-pool-service.js';

const H = 4;
const POOL: PoolRef = { modelId: 'm', tenant: 'acme' };
const spec = { poolSize: 3, promptLength: 2, topN: 2, hiddenSize: H, seed: 5 };

describe('prompt-pool service over gRPC', () => {
  let dir: string;
  let deps: ServiceDeps;
  let served: Served<PromptPoolServiceClient> | undefined;

  const start = async () => {
    served = await serve(await createPromptPoolService(deps), deps, PromptPoolServiceClient);
    return served.client;
  };

  beforeEach(async () => {
    dir = await tempDataDir();
    deps = await testDeps(dir);
  });
  afterEach(async () => {
    await served?.stop();
    served = undefined;
    await removeDir(dir);
  });

  it('creates version 1, selects the most cosine-similar keys, and returns the prompts to prepend', async () => {
    const c = await start();
    const created = await unary(c.createPool.bind(c), { pool: POOL, spec });
    expect(created.pool).toEqual({ pool: POOL, spec: { ...spec, method: 'l2p' }, version: 1, modelVersion: 0 });
    const got = await unary(c.getPool.bind(c), { pool: POOL, version: 0, modelVersion: 0, shared: [] });
    const keys = fromWire(aligned(got.keys!), { expectDtype: 'float32' });
    expect(keys.shape).toEqual([3, H]);
    expect(got.selectionCounts).toEqual([0, 0, 0]);
    // Query 0 is key 1 itself, so key 1 comes first with similarity 1.
    const query = [...keys.data.subarray(H, 2 * H), ...keys.data.subarray(0, H)];
    const sel = await unary(c.selectPrompts.bind(c), {
      pool: POOL,
      version: 0,
      modelVersion: 0,
      queries: f32(query, [2, H]),
      includePrompts: true,
    });
    expect(sel.selections).toHaveLength(2);
    expect(sel.selections[0]!.promptIndices[0]).toBe(1);
    expect(sel.selections[0]!.similarities[0]).toBeCloseTo(1, 5);
    expect(sel.selections[1]!.promptIndices[0]).toBe(0);
    const prompts = fromWire(aligned(sel.prompts!), { expectDtype: 'float32' });
    expect(prompts.shape).toEqual([2, 2 * 2, H]);
    const all = fromWire(aligned(got.prompts!), { expectDtype: 'float32' }).data;
    expect(Array.from(prompts.data.subarray(0, 2 * H))).toEqual(Array.from(all.subarray(2 * H, 4 * H)));
  });

  it('versions every update, aborts stale ones, lists newest first with pages, and survives a restart', async () => {
    let c = await start();
    await unary(c.createPool.bind(c), { pool: POOL, spec });
    const prompts = f32(new Array<number>(3 * 2 * H).fill(0.5), [3, 2, H]);
    const keys = f32(new Array<number>(3 * H).fill(1), [3, H]);
    const v2 = await unary(c.applyUpdate.bind(c), {
      pool: POOL,
      baseVersion: 1,
      prompts,
      keys,
      selectionCountDeltas: [1, 0, 2],
      modelVersion: 0,
      shared: [],
    });
    expect(v2.pool!.version).toBe(2);
    const stale = await failure(
      unary(c.applyUpdate.bind(c), { pool: POOL, baseVersion: 1, prompts, keys, selectionCountDeltas: [], modelVersion: 0, shared: [] }),
    );
    expect(stale.kind).toBe('aborted');
    expect(stale.message).toContain('is at version 2, the update was computed from 1');
    await unary(c.applyUpdate.bind(c), {
      pool: POOL,
      baseVersion: 2,
      prompts,
      keys,
      selectionCountDeltas: [1, 1, 1],
      modelVersion: 0,
      shared: [],
    });
    const page1 = await unary(c.listPoolVersions.bind(c), { pool: POOL, page: { pageSize: 2, pageToken: '' } });
    expect(page1.versions.map((v) => v.version)).toEqual([3, 2]);
    const page2 = await unary(c.listPoolVersions.bind(c), { pool: POOL, page: { pageSize: 2, pageToken: page1.nextPageToken } });
    expect(page2).toEqual({ versions: [{ pool: POOL, spec: { ...spec, method: 'l2p' }, version: 1, modelVersion: 0 }], nextPageToken: '' });

    await served!.stop();
    c = await start();
    const latest = await unary(c.getPool.bind(c), { pool: POOL, version: 0, modelVersion: 0, shared: [] });
    expect(latest.info!.version).toBe(3);
    expect(latest.selectionCounts).toEqual([2, 1, 3]);
    const first = await unary(c.getPool.bind(c), { pool: POOL, version: 1, modelVersion: 0, shared: [] });
    expect(first.selectionCounts).toEqual([0, 0, 0]);
  });

  it('ties versions to model versions: GetPool and SelectPrompts find the newest one published for a model version, also after a restart', async () => {
    let c = await start();
    await unary(c.createPool.bind(c), { pool: POOL, spec });
    const values = (v: number) => ({
      prompts: f32(new Array<number>(3 * 2 * H).fill(v), [3, 2, H]),
      keys: f32(new Array<number>(3 * H).fill(v), [3, H]),
    });
    await unary(c.applyUpdate.bind(c), { pool: POOL, baseVersion: 1, ...values(1), selectionCountDeltas: [], modelVersion: 1, shared: [] });
    await unary(c.applyUpdate.bind(c), { pool: POOL, baseVersion: 2, ...values(2), selectionCountDeltas: [], modelVersion: 2, shared: [] });
    // A republished model version (after a trainer crash) is found at its newest pool version.
    const v4 = await unary(c.applyUpdate.bind(c), {
      pool: POOL,
      baseVersion: 3,
      ...values(3),
      selectionCountDeltas: [],
      modelVersion: 1,
      shared: [],
    });
    expect(v4.pool).toEqual({ pool: POOL, spec: { ...spec, method: 'l2p' }, version: 4, modelVersion: 1 });
    await served!.stop();
    c = await start();
    const forModel2 = await unary(c.getPool.bind(c), { pool: POOL, version: 0, modelVersion: 2, shared: [] });
    expect(forModel2.info).toEqual({ pool: POOL, spec: { ...spec, method: 'l2p' }, version: 3, modelVersion: 2 });
    expect(fromWire(aligned(forModel2.keys!), { expectDtype: 'float32' }).data[0]).toBe(2);
    expect((await unary(c.getPool.bind(c), { pool: POOL, version: 0, modelVersion: 1, shared: [] })).info!.version).toBe(4);
    const sel = await unary(c.selectPrompts.bind(c), {
      pool: POOL,
      version: 0,
      modelVersion: 2,
      queries: f32([1, 1, 1, 1], [1, H]),
      includePrompts: false,
    });
    expect(sel.info!.version).toBe(3);
    const missing = await failure(unary(c.getPool.bind(c), { pool: POOL, version: 0, modelVersion: 9 }));
    expect(missing.kind).toBe('not-found');
    expect(missing.message).toContain("pool 'm/acme' has no version published for model version 9");
    const both = await failure(unary(c.getPool.bind(c), { pool: POOL, version: 2, modelVersion: 2, shared: [] }));
    expect(both.kind).toBe('invalid-argument');
    expect(both.message).toContain('set version (2) or model_version (2), not both');
  });

  it('rejects bad input with INVALID_ARGUMENT or NOT_FOUND and keeps the pool unchanged', async () => {
    const c = await start();
    const noWidth = await failure(unary(c.createPool.bind(c), { pool: POOL, spec: { ...spec, hiddenSize: 0, topN: 9 } }));
    expect(noWidth.kind).toBe('invalid-argument');
    expect(noWidth.message).toContain('spec.hidden_size must be positive');
    expect(noWidth.message).toContain('spec.top_n (9) must not exceed spec.pool_size (3)');
    expect((await failure(unary(c.getPool.bind(c), { pool: POOL, version: 0, modelVersion: 0, shared: [] }))).kind).toBe('not-found');
    await unary(c.createPool.bind(c), { pool: POOL, spec });
    const wrongWidth = await failure(
      unary(c.selectPrompts.bind(c), { pool: POOL, version: 0, modelVersion: 0, queries: f32([1, 2, 3], [1, 3]), includePrompts: false }),
    );
    expect(wrongWidth.kind).toBe('invalid-argument');
    expect(wrongWidth.message).toContain('queries');
    const nan = new Array<number>(3 * H).fill(0);
    nan[2] = Number.NaN;
    const bad = await failure(
      unary(c.applyUpdate.bind(c), {
        pool: POOL,
        baseVersion: 1,
        prompts: f32([1, 2], [2]),
        keys: f32(nan, [3, H]),
        selectionCountDeltas: [1],
        modelVersion: 0,
        shared: [],
      }),
    );
    expect(bad.kind).toBe('invalid-argument');
    expect(bad.message).toContain('non-finite');
    expect(bad.message).toContain('selection_count_deltas has 1 entries');
    expect((await unary(c.getPool.bind(c), { pool: POOL, version: 0, modelVersion: 0, shared: [] })).info!.version).toBe(1);
    expect((await failure(unary(c.getPool.bind(c), { pool: POOL, version: 7, modelVersion: 0, shared: [] }))).message).toContain(
      'has no version 7 (latest is 1)',
    );
    const badId = await failure(
      unary(c.getPool.bind(c), { pool: { modelId: '../x', tenant: '' }, version: 0, modelVersion: 0, shared: [] }),
    );
    expect(badId.kind).toBe('invalid-argument');
  });

  it('refuses a pool over MNEME_MAX_POOL_FLOATS before allocating it, and answers at once', async () => {
    const c = await start();
    // The probe's pool: 4096 × 64 × 4096 floats (4 GiB) took 8 GiB and 30 s before it was bounded.
    const started = Date.now();
    const huge = await failure(
      unary(c.createPool.bind(c), { pool: POOL, spec: { poolSize: 4096, promptLength: 64, topN: 5, hiddenSize: 4096, seed: 0 } }),
    );
    expect(huge).toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('is 1073741824, over the limit of 8388608 (MNEME_MAX_POOL_FLOATS)'),
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    // Every factor at its uint32 maximum is refused the same way.
    const max = 4_294_967_295;
    expect(
      (
        await failure(
          unary(c.createPool.bind(c), { pool: POOL, spec: { poolSize: max, promptLength: max, topN: 1, hiddenSize: max, seed: 0 } }),
        )
      ).message,
    ).toContain('MNEME_MAX_POOL_FLOATS');
    expect((await failure(unary(c.getPool.bind(c), { pool: POOL, version: 0, modelVersion: 0, shared: [] }))).kind).toBe('not-found');
    // An answer with prompts is sized before it is made: 10 queries × 2 × 2 × 4 floats over a limit of 100.
    await served!.stop();
    deps = { ...deps, limits: { ...DEFAULT_SERVICE_LIMITS, maxPoolFloats: 100 } };
    const small = await start();
    await unary(small.createPool.bind(small), { pool: POOL, spec });
    const queries = f32(new Array<number>(10 * H).fill(1), [10, H]);
    expect(
      (await unary(small.selectPrompts.bind(small), { pool: POOL, version: 0, modelVersion: 0, queries, includePrompts: false }))
        .selections,
    ).toHaveLength(10);
    const answer = await failure(
      unary(small.selectPrompts.bind(small), { pool: POOL, version: 0, modelVersion: 0, queries, includePrompts: true }),
    );
    expect(answer.message).toContain('(the prompts answered) is 160, over the limit of 100 (MNEME_MAX_POOL_FLOATS)');
    // A uint64 past 2^53 − 1 does not decode (INVALID_ARGUMENT), and counts may not add up past it.
    const pool = await unary(small.getPool.bind(small), { pool: POOL, version: 0, modelVersion: 0, shared: [] });
    const update = (deltas: number[], baseVersion: number) =>
      unary(small.applyUpdate.bind(small), {
        pool: POOL,
        baseVersion,
        prompts: pool.prompts,
        keys: pool.keys,
        selectionCountDeltas: deltas,
        modelVersion: 0,
        shared: [],
      });
    expect(await failure(update([2 ** 60, 0, 0], 1))).toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('is not a valid /mneme.v1.PromptPoolService/ApplyUpdate message'),
    });
    await update([Number.MAX_SAFE_INTEGER, 0, 0], 1);
    expect((await failure(update([1, 0, 0], 2))).message).toContain('selection_count_deltas would take a count past 2^53 − 1');
    expect((await unary(small.getPool.bind(small), { pool: POOL, version: 0, modelVersion: 0, shared: [] })).info!.version).toBe(2);
  });

  it('holds a prefix method’s pool: empty at first, growing with experiences, with its shared tensors, also after a restart', async () => {
    let c = await start();
    const dual = { poolSize: 0, promptLength: 4, topN: 0, hiddenSize: H, seed: 1, method: 'dual-prompt' };
    const created = await unary(c.createPool.bind(c), { pool: POOL, spec: dual });
    expect(created.pool!.spec).toEqual(dual);
    // Nothing to choose from yet: one empty selection per query.
    const none = await unary(c.selectPrompts.bind(c), {
      pool: POOL,
      version: 0,
      modelVersion: 0,
      queries: f32([1, 0, 0, 0, 0, 1, 0, 0], [2, H]),
      includePrompts: true,
    });
    expect(none.selections.map((s) => s.promptIndices)).toEqual([[], []]);
    expect(fromWire(aligned(none.prompts!), { expectDtype: 'float32' }).shape).toEqual([2, 0, H]);
    const g = f32(
      Array.from({ length: 2 * H }, (_, i) => i / 10),
      [2, H],
    );
    /** An update of `m` E-prompts (prompt e filled with e + 1, key e the unit vector e) from `base`. */
    const update = (m: number, base: number, shared = [{ name: 'g_prompt', value: g }]) =>
      unary(c.applyUpdate.bind(c), {
        pool: POOL,
        baseVersion: base,
        prompts: f32(
          Array.from({ length: m * 4 * H }, (_, i) => Math.floor(i / (4 * H)) + 1),
          [m, 4, H],
        ),
        keys: f32(
          Array.from({ length: m * H }, (_, i) => (i % H === Math.floor(i / H) ? 1 : 0)),
          [m, H],
        ),
        selectionCountDeltas: [],
        modelVersion: base,
        shared,
      });
    expect((await update(1, 1)).pool!.spec).toMatchObject({ poolSize: 1, topN: 1 });
    expect((await update(2, 2)).pool!.spec).toMatchObject({ poolSize: 2, topN: 1, method: 'dual-prompt' });
    const shrink = await failure(update(1, 3));
    expect(shrink.kind).toBe('invalid-argument');
    expect(shrink.message).toMatch(/prompts has 1 prompts, the pool 2: a pool may grow, never shrink/);
    const twice = await failure(
      update(2, 3, [
        { name: 'g_prompt', value: g },
        { name: 'g_prompt', value: g },
      ]),
    );
    expect(twice.message).toMatch(/shared tensor 'g_prompt' is sent twice/);
    await served!.stop();
    c = await start();
    const got = await unary(c.getPool.bind(c), { pool: POOL, version: 0, modelVersion: 0, shared: [] });
    expect(got.info).toMatchObject({ version: 3, modelVersion: 2, spec: { poolSize: 2, method: 'dual-prompt' } });
    expect(fromWire(aligned(got.prompts!), { expectDtype: 'float32' }).shape).toEqual([2, 4, H]);
    expect(got.selectionCounts).toEqual([0, 0]);
    expect(got.shared.map((t) => t.name)).toEqual(['g_prompt']);
    expect(Array.from(fromWire(aligned(got.shared[0]!.value!), { expectDtype: 'float32', expectShape: [2, H] }).data)).toEqual(
      Array.from(fromWire(aligned(g), { expectDtype: 'float32' }).data),
    );
    // DualPrompt chooses one E-prompt per input: the one whose key is the query's direction.
    const sel = await unary(c.selectPrompts.bind(c), {
      pool: POOL,
      version: 0,
      modelVersion: 0,
      queries: f32([0, 3, 0, 0], [1, H]),
      includePrompts: false,
    });
    expect(sel.selections[0]!.promptIndices).toEqual([1]);
  });

  it('keeps L2P pools fixed and without shared tensors, refuses selection from CODA-Prompt’s, and names an unknown method', async () => {
    const c = await start();
    await unary(c.createPool.bind(c), { pool: POOL, spec });
    const prompts = f32(new Array<number>(4 * 2 * H).fill(0.5), [4, 2, H]);
    const keys = f32(new Array<number>(4 * H).fill(1), [4, H]);
    const grown = await failure(
      unary(c.applyUpdate.bind(c), { pool: POOL, baseVersion: 1, prompts, keys, selectionCountDeltas: [], modelVersion: 0, shared: [] }),
    );
    expect(grown.kind).toBe('invalid-argument');
    expect(grown.message).toMatch(/prompts/);
    const three = { prompts: f32(new Array<number>(3 * 2 * H).fill(0.5), [3, 2, H]), keys: f32(new Array<number>(3 * H).fill(1), [3, H]) };
    const shared = await failure(
      unary(c.applyUpdate.bind(c), {
        pool: POOL,
        baseVersion: 1,
        ...three,
        selectionCountDeltas: [],
        modelVersion: 0,
        shared: [{ name: 'g_prompt', value: f32([1], [1]) }],
      }),
    );
    expect(shared.message).toMatch(/shared tensors \('g_prompt'\) belong to the prefix methods; an L2P pool has none/);
    expect((await unary(c.getPool.bind(c), { pool: POOL, version: 0, modelVersion: 0, shared: [] })).info!.version).toBe(1);
    const coda: PoolRef = { modelId: 'coda', tenant: 'acme' };
    await unary(c.createPool.bind(c), {
      pool: coda,
      spec: { poolSize: 0, promptLength: 4, topN: 0, hiddenSize: H, seed: 1, method: 'coda-prompt' },
    });
    const select = await failure(
      unary(c.selectPrompts.bind(c), {
        pool: coda,
        version: 0,
        modelVersion: 0,
        queries: f32([1, 0, 0, 0], [1, H]),
        includePrompts: false,
      }),
    );
    expect(select.kind).toBe('failed-precondition');
    expect(select.message).toMatch(/weights every component/);
    const unknown = await failure(
      unary(c.createPool.bind(c), { pool: { modelId: 'x', tenant: 'acme' }, spec: { ...spec, method: 'prefix' } }),
    );
    expect(unknown.kind).toBe('invalid-argument');
    expect(unknown.message).toMatch(/spec.method 'prefix' is not one of l2p, dual-prompt, coda-prompt/);
  });
});
