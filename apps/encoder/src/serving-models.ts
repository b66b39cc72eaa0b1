import type { Executor } from '@mneme/execution';
import type { FileModelStore } from '@mneme/model-store';
import type { Logger } from '@mneme/rpc';
import { buildModelRuntime } from '@mneme/service-runtime';
import type { ServedPools } from '@mneme/service-runtime';
import { labelScorer } from './label-scorer.js';
import { LoadedVersion, type BatchSettings } from './loaded-version.js';
import type { SentenceEncoders } from './sentence-encoder.js';

/** What {@link ServingModels} loads versions with. */
export interface ServingModelsDeps {
  readonly store: FileModelStore;
  readonly executor: Executor;
  /** Folder of the frozen encoders. */
  readonly modelsDir: string;
  readonly encoders: SentenceEncoders;
  readonly batching: BatchSettings;
  readonly logger: Logger;
  /** The prompt pools L2P versions predict with. */
  readonly pools: ServedPools;
  /** Loaded versions kept beyond the ones serving version 0. @default 4 */
  readonly cachedVersions?: number;
  /** Told each time a version starts serving version 0 of its model (for `mneme_model_version`). */
  readonly onServing?: (modelId: string, version: number) => void;
}

const keyOf = (modelId: string, version: number) => `${modelId}@${version}`;

/**
 * The versions this replica serves. Version 0 of a model resolves to the version it serves now
 * (promoted, else newest, read once); {@link refresh} loads a newer one in the background and
 * swaps it in with one map write, so requests that already resolved finish on the old version and
 * none waits for or fails during the swap. Explicitly numbered versions are loaded on demand and
 * kept in a small LRU cache.
 */
export class ServingModels {
  /** Version 0 of each model: the version serving it. */
  private readonly serving = new Map<string, Promise<LoadedVersion>>();
  /** Every loaded version by `model@version`, least recently used first. */
  private readonly loaded = new Map<string, Promise<LoadedVersion>>();
  /** `model@version` serving version 0 of each model: never evicted. */
  private readonly servingKeys = new Map<string, string>();
  /** Refreshes per model run one after another, so an older load never overwrites a newer one. */
  private readonly refreshes = new Map<string, Promise<void>>();
  private readonly capacity: number;

  constructor(private readonly deps: ServingModelsDeps) {
    this.capacity = deps.cachedVersions ?? 4;
  }

  /** The loaded version for `modelId` and `version` (0 = the serving one). @throws NotFoundError */
  resolve(modelId: string, version: number): Promise<LoadedVersion> {
    if (version !== 0) return this.load(modelId, version);
    let hit = this.serving.get(modelId);
    if (hit === undefined) {
      hit = this.deps.store.getVersion(modelId, 0).then(async (record) => {
        this.servingKeys.set(modelId, keyOf(modelId, record.version));
        const loaded = await this.load(modelId, record.version);
        // A refresh may have swapped in a newer one meanwhile: report only what still serves.
        if (this.servingKeys.get(modelId) === keyOf(modelId, loaded.version)) this.deps.onServing?.(modelId, loaded.version);
        return loaded;
      });
      hit.catch(() => {
        this.serving.delete(modelId);
        this.servingKeys.delete(modelId);
      });
      this.serving.set(modelId, hit);
    }
    return hit;
  }

  /**
   * Re-reads which version serves `modelId` and, when it changed, loads it and swaps it in. Models
   * this replica has not served yet are left alone: their first request reads the store anyway.
   */
  refresh(modelId: string): Promise<void> {
    const next = (this.refreshes.get(modelId) ?? Promise.resolve()).then(() => this.refreshNow(modelId));
    const settled = next.catch(() => undefined);
    this.refreshes.set(modelId, settled);
    void settled.then(() => {
      if (this.refreshes.get(modelId) === settled) this.refreshes.delete(modelId);
    });
    return next;
  }

  /** Loaded versions (of one model, or all), the one serving version 0 first per model. */
  async describe(modelId?: string): Promise<LoadedVersion[]> {
    const settled = await Promise.all([...this.loaded.values()].map((p) => p.catch(() => undefined)));
    const versions = settled.filter((v): v is LoadedVersion => v !== undefined && (modelId === undefined || v.record.modelId === modelId));
    const servingKeys = new Set(this.servingKeys.values());
    const rank = (v: LoadedVersion) => (servingKeys.has(keyOf(v.record.modelId, v.version)) ? 0 : 1);
    return versions.sort((a, b) => a.record.modelId.localeCompare(b.record.modelId) || rank(a) - rank(b) || b.version - a.version);
  }

  private async refreshNow(modelId: string): Promise<void> {
    const current = this.serving.get(modelId);
    if (current === undefined) return;
    const [record, versions] = await Promise.all([this.deps.store.getVersion(modelId, 0), this.deps.store.listVersions(modelId)]);
    // Promotion changes the state of versions already loaded: keep what DescribeServing shows true.
    for (const v of versions) {
      const loaded = await this.loaded.get(keyOf(modelId, v.version))?.catch(() => undefined);
      if (loaded !== undefined) loaded.record = v;
    }
    const old = await current.catch(() => undefined);
    if (old?.version === record.version) return;
    const fresh = await this.load(modelId, record.version);
    this.servingKeys.set(modelId, keyOf(modelId, fresh.version));
    this.serving.set(modelId, Promise.resolve(fresh));
    this.deps.onServing?.(modelId, fresh.version);
    this.deps.logger.info('serving a new version', { model: modelId, version: fresh.version, previous: old?.version });
    this.evict();
  }

  private load(modelId: string, version: number): Promise<LoadedVersion> {
    const key = keyOf(modelId, version);
    let hit = this.loaded.get(key);
    if (hit !== undefined) {
      this.loaded.delete(key); // re-insert: most recently used last
    } else {
      hit = this.restore(modelId, version);
      hit.catch(() => {
        if (this.loaded.get(key) === hit) this.loaded.delete(key);
      });
    }
    this.loaded.set(key, hit);
    this.evict();
    return hit;
  }

  private async restore(modelId: string, version: number): Promise<LoadedVersion> {
    const { store, executor, modelsDir, encoders } = this.deps;
    const record = await store.getVersion(modelId, version);
    const model = await store.getModel(modelId);
    const runtime = await buildModelRuntime(model, executor, modelsDir);
    // An L2P version selects prompts from the pool the prompt-pool service holds for it.
    const state = await this.deps.pools.apply(model, record.version, await store.loadVersionState(modelId, record.version));
    runtime.strategy.restoreState(state);
    const encoder = runtime.definition.input.kind === 'text' ? await encoders.get(runtime.definition.input.encoder) : undefined;
    this.deps.logger.info('loaded model version', { model: modelId, version: record.version, strategy: model.strategy.name });
    return new LoadedVersion(record, runtime, labelScorer(runtime, state, record.labels, executor), encoder, this.deps.batching);
  }

  /** Drops least recently used versions beyond the capacity, never one serving version 0. */
  private evict(): void {
    const pinned = new Set(this.servingKeys.values());
    for (const key of [...this.loaded.keys()]) {
      if (this.loaded.size <= this.capacity + pinned.size) return;
      if (!pinned.has(key)) this.loaded.delete(key);
    }
  }
}
