import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MnemeError } from '@mneme/errors';
import { writeFileAtomic } from '@mneme/model-store';
import type { PoolMethod, PoolVersion, ResolvedSpec } from './pool-version.js';

interface PoolVersionFile {
  readonly format: 1;
  readonly ref: PoolVersion['ref'];
  /** `method` is absent in files written before pools named it (L2P pools). */
  readonly spec: Omit<ResolvedSpec, 'method'> & { readonly method?: PoolMethod };
  readonly version: number;
  readonly selectionCounts: readonly number[];
  /** Absent in files written before pools were tied to model versions. */
  readonly modelVersion?: number;
  readonly createdAt: number;
  /** The method's shared tensors (float32 bytes, base64); absent in L2P pools and older files. */
  readonly shared?: readonly { readonly name: string; readonly shape: readonly number[]; readonly data: string }[];
  /** Little-endian float32 bytes, base64 (exact and a third the size of JSON numbers). */
  readonly prompts: string;
  readonly keys: string;
}

const fileName = (version: number) => `v${String(version).padStart(8, '0')}.json`;
/** Per pool: model version → the newest pool version published for it. */
const MODEL_VERSIONS = 'model-versions.json';
const VERSION_FILE = /^v(\d{8})\.json$/;

// Slices of a multiple of 3 bytes encode to base64 that concatenates into the whole's encoding.
const BASE64_SLICE = 3 * (1 << 20);

/** The base64 of `values`' bytes, as ASCII buffers made a slice at a time with a turn of the event loop between. */
async function base64Pieces(values: Float32Array): Promise<Buffer[]> {
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += BASE64_SLICE) {
    pieces.push(Buffer.from(bytes.subarray(at, at + BASE64_SLICE).toString('base64'), 'latin1'));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return pieces;
}
const fromBase64 = (text: string) => {
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  return new Float32Array(bytes.buffer, 0, bytes.byteLength / 4);
};

/** Pool versions as one immutable file each under `<root>/<model>/<tenant>/`, written atomically. */
export class PoolFiles {
  constructor(private readonly root: string) {}

  /** Writes a version; it becomes visible only once the rename lands. */
  async save(key: string, pool: PoolVersion): Promise<void> {
    const meta: Omit<PoolVersionFile, 'prompts' | 'keys'> = {
      format: 1,
      ref: pool.ref,
      spec: pool.spec,
      version: pool.version,
      selectionCounts: pool.selectionCounts,
      modelVersion: pool.modelVersion,
      createdAt: pool.createdAt,
      ...(pool.shared.size === 0
        ? {}
        : {
            shared: [...pool.shared].map(([name, t]) => ({
              name,
              shape: [...t.shape],
              data: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64'),
            })),
          }),
    };
    // The same JSON as JSON.stringify of the whole file, assembled from pieces: stringifying a pool
    // of 64 MiB took over half a second of the event loop (base64 needs no escaping).
    const head = JSON.stringify(meta).slice(0, -1);
    const pieces = [
      Buffer.from(`${head},"prompts":"`),
      ...(await base64Pieces(pool.prompts)),
      Buffer.from('","keys":"'),
      ...(await base64Pieces(pool.keys)),
      Buffer.from('"}'),
    ];
    await writeFileAtomic(join(this.root, key, fileName(pool.version)), Buffer.concat(pieces));
  }

  /** One version. */
  async load(key: string, version: number): Promise<PoolVersion> {
    const file = JSON.parse(await readFile(join(this.root, key, fileName(version)), 'utf8')) as PoolVersionFile;
    if (file.format !== 1) throw new MnemeError('internal', `pool ${key} version ${version} has unknown format ${String(file.format)}`);
    return {
      ref: file.ref,
      // Files written before pools named their method hold L2P pools.
      spec: { ...file.spec, method: file.spec.method ?? 'l2p' },
      shared: new Map((file.shared ?? []).map((t) => [t.name, { shape: t.shape, data: fromBase64(t.data) }])),
      version: file.version,
      selectionCounts: file.selectionCounts,
      modelVersion: file.modelVersion ?? 0,
      createdAt: file.createdAt,
      prompts: fromBase64(file.prompts),
      keys: fromBase64(file.keys),
    };
  }

  /**
   * Writes a pool's model-version index (model version → pool version), after the version files it
   * names: a crash in between only leaves a version the index does not name yet, which its
   * publisher finds missing and publishes again.
   */
  async saveModelVersions(key: string, byModelVersion: ReadonlyMap<number, number>): Promise<void> {
    await writeFileAtomic(join(this.root, key, MODEL_VERSIONS), JSON.stringify(Object.fromEntries(byModelVersion)));
  }

  /** A pool's model-version index (empty when none was written). */
  async loadModelVersions(key: string): Promise<Map<number, number>> {
    try {
      const saved = JSON.parse(await readFile(join(this.root, key, MODEL_VERSIONS), 'utf8')) as Record<string, number>;
      return new Map(Object.entries(saved).map(([m, v]) => [Number(m), v]));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw err;
    }
  }

  /** Version numbers of every pool, by pool key, ascending. */
  async index(): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    for (const model of await subdirs(this.root)) {
      for (const tenant of await subdirs(join(this.root, model))) {
        const versions = (await readdir(join(this.root, model, tenant)))
          .map((name) => VERSION_FILE.exec(name)?.[1])
          .filter((v) => v !== undefined)
          .map(Number)
          .sort((a, b) => a - b);
        if (versions.length > 0) out.set(`${model}/${tenant}`, versions);
      }
    }
    return out;
  }
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
