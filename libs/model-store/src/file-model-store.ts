import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, MnemeError, NotFoundError } from '@mneme/errors';
import type { StrategyState } from '@mneme/methods';
import { writeFileAtomic } from './atomic-file.js';
import type { ModelRecord, VersionRecord, VersionState } from './model-records.js';
import { loadStrategyState, saveStrategyState } from './strategy-state-files.js';

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MODEL_FILE = 'model.json';
const VERSION_FILE = 'version.json';

/**
 * The error for a model that does not exist; also sent for another tenant's model, so that the
 * two cannot be told apart.
 */
export function modelNotFound(modelId: string): NotFoundError {
  return new NotFoundError(`model '${modelId}' does not exist; create it first`);
}

/** Checks a model id: it names folders and Kafka keys, so it is kept to a safe alphabet. */
export function modelIdProblem(modelId: string): string | undefined {
  return MODEL_ID.test(modelId)
    ? undefined
    : `model id '${modelId}' must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`;
}

/**
 * Versioned model artefacts in a folder (a local disk, or a shared volume in a cluster):
 * `<root>/<model>/model.json` and `<root>/<model>/versions/<n>/{params.ckpt,state.json,version.json}`.
 * A version becomes visible only when its `version.json` is written (last, atomically), so a
 * reader never sees a half-written version and a crash mid-save leaves no version behind.
 */
export class FileModelStore {
  /** @param root folder holding every model */
  constructor(readonly root: string) {}

  /**
   * Creates a model. Creating it again with the same definition is a no-op (so a retried request is
   * safe); a different definition under an existing id is `already-exists`.
   */
  async createModel(record: ModelRecord): Promise<{ created: boolean }> {
    const problem = modelIdProblem(record.modelId);
    if (problem !== undefined) throw new InvalidArgumentError(problem);
    const existing = await this.findModel(record.modelId);
    if (existing !== undefined) {
      const same = JSON.stringify({ ...existing, createdAt: 0 }) === JSON.stringify({ ...record, createdAt: 0 });
      if (same) return { created: false };
      throw new MnemeError('already-exists', `model '${record.modelId}' exists with a different definition`);
    }
    await writeFileAtomic(join(this.modelDir(record.modelId), MODEL_FILE), JSON.stringify(record, null, 2));
    return { created: true };
  }

  /** The model's record, or undefined. */
  async findModel(modelId: string): Promise<ModelRecord | undefined> {
    if (modelIdProblem(modelId) !== undefined) return undefined;
    return readJson<ModelRecord>(join(this.modelDir(modelId), MODEL_FILE));
  }

  /** The model's record. @throws NotFoundError */
  async getModel(modelId: string): Promise<ModelRecord> {
    const model = await this.findModel(modelId);
    if (model === undefined) throw modelNotFound(modelId);
    return model;
  }

  /** Ids of every model, sorted. */
  async listModels(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    const ids: string[] = [];
    for (const e of entries) if (e.isDirectory() && (await this.findModel(e.name)) !== undefined) ids.push(e.name);
    return ids.sort();
  }

  /**
   * Saves `state` as the model's next version (a candidate; version 1 when it is the first).
   * `version` may be given to make the save idempotent: saving version n again returns the
   * existing record (a trainer replaying after a crash); skipping a number is an error.
   */
  async saveVersion(
    modelId: string,
    state: StrategyState,
    info: { trainedThrough: number; samplesSeen: number; version?: number; labels?: readonly string[]; logThrough?: number },
  ): Promise<VersionRecord> {
    const model = await this.getModel(modelId);
    const versions = await this.listVersions(modelId);
    const next = (versions[0]?.version ?? 0) + 1;
    if (info.version !== undefined) {
      const existing = versions.find((v) => v.version === info.version);
      if (existing !== undefined) return existing;
      if (info.version !== next)
        throw new MnemeError(
          'failed-precondition',
          `model '${modelId}': version ${info.version} cannot be saved, the next version is ${next}`,
        );
    }
    const dir = this.versionDir(modelId, next);
    await mkdir(dir, { recursive: true });
    await saveStrategyState(dir, state);
    const record: VersionRecord = {
      modelId,
      version: next,
      state: 'candidate',
      artifactUri: `store://models/${modelId}/${next}`,
      trainedThrough: info.trainedThrough,
      samplesSeen: info.samplesSeen,
      labels: [...(info.labels ?? model.labels)],
      logThrough: info.logThrough ?? 0,
      createdAt: Date.now(),
    };
    await writeFileAtomic(join(dir, VERSION_FILE), JSON.stringify(record, null, 2));
    return record;
  }

  /** Every saved version of the model, newest first. */
  async listVersions(modelId: string): Promise<VersionRecord[]> {
    await this.getModel(modelId);
    const entries = await readdir(join(this.modelDir(modelId), 'versions')).catch(() => [] as string[]);
    const records: VersionRecord[] = [];
    for (const name of entries) {
      if (!/^\d+$/.test(name)) continue;
      const record = await readJson<VersionRecord>(join(this.versionDir(modelId, Number(name)), VERSION_FILE));
      if (record !== undefined) records.push(record);
    }
    return records.sort((a, b) => b.version - a.version);
  }

  /**
   * One version: `version` ≥ 1 names it; 0 means the promoted version, or the newest when none
   * was promoted yet. @throws NotFoundError
   */
  async getVersion(modelId: string, version = 0): Promise<VersionRecord> {
    const versions = await this.listVersions(modelId);
    const found =
      version === 0 ? (versions.find((v) => v.state === 'promoted') ?? versions[0]) : versions.find((v) => v.version === version);
    if (found === undefined) {
      throw new NotFoundError(
        version === 0
          ? `model '${modelId}' has no version yet`
          : `model '${modelId}' has no version ${version} (latest is ${versions[0]?.version ?? 'none'})`,
      );
    }
    return found;
  }

  /** The strategy state saved as a version. @throws NotFoundError */
  async loadVersionState(modelId: string, version: number): Promise<StrategyState> {
    const record = await this.getVersion(modelId, version);
    return loadStrategyState(this.versionDir(modelId, record.version));
  }

  /** Makes `version` the served one; the previously promoted version is retired. */
  async promote(modelId: string, version: number): Promise<VersionRecord> {
    if (!(Number.isInteger(version) && version >= 1))
      throw new InvalidArgumentError(`promote needs a concrete version (≥ 1), got ${version}`);
    const target = await this.getVersion(modelId, version);
    for (const v of await this.listVersions(modelId)) {
      if (v.state === 'promoted' && v.version !== version) await this.setState(v, 'retired');
    }
    return target.state === 'promoted' ? target : this.setState(target, 'promoted');
  }

  private async setState(record: VersionRecord, state: VersionState): Promise<VersionRecord> {
    const updated = { ...record, state };
    await writeFileAtomic(join(this.versionDir(record.modelId, record.version), VERSION_FILE), JSON.stringify(updated, null, 2));
    return updated;
  }

  /**
   * A folder inside the model's own folder for a service's state about it (the trainer keeps its
   * sample log, checkpoints and ownership epochs in `trainer`), so that state moves with the model
   * between replicas sharing the store.
   */
  stateDir(modelId: string, service: string): string {
    const problem = modelIdProblem(modelId);
    if (problem !== undefined) throw new InvalidArgumentError(problem);
    if (!/^[a-z][a-z0-9-]*$/.test(service) || service === 'versions')
      throw new InvalidArgumentError(`'${service}' cannot name a state folder (lower-case letters, digits, '-'; not 'versions')`);
    return join(this.modelDir(modelId), service);
  }

  private modelDir(modelId: string): string {
    return join(this.root, modelId);
  }

  private versionDir(modelId: string, version: number): string {
    return join(this.modelDir(modelId), 'versions', String(version));
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
