/**
 * The on-disk form of a vector index: a manifest naming one generation of files (HNSW graph,
 * binary entries, metadata JSON). A save writes a new generation and then renames the manifest
 * into place, which is atomic on POSIX file systems, so readers never see a half-written index.
 */
import { InvalidArgumentError } from '@mneme/errors';
import type { IndexEntries, IndexMetadata } from '@mneme/execution';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Index } from 'usearch';

/** Format tag and version in every manifest. */
const FORMAT = 'mneme-vector-index';
const VERSION = 1;
const MANIFEST = 'manifest.json';

/** Options as persisted (an unbounded capacity is `null` in JSON). */
export interface PersistedOptions {
  readonly dimensions: number;
  readonly exactBelow: number;
  readonly capacity: number | null;
  readonly connectivity: number;
  readonly expansionAdd: number;
  readonly expansionSearch: number;
  readonly threads: number;
}

/** What {@link writeIndexFiles} writes. */
export interface IndexFilesContent {
  readonly options: PersistedOptions;
  readonly entries: IndexEntries;
  readonly graph?: Index;
}

/** What {@link readIndexFiles} reads back. */
export interface IndexFiles {
  readonly options: PersistedOptions;
  readonly entries: IndexEntries;
  /** Path of the saved HNSW graph, when one was saved. */
  readonly graphPath?: string;
}

interface Manifest {
  readonly format: string;
  readonly version: number;
  readonly generation: string;
  readonly littleEndian: boolean;
  readonly size: number;
  readonly options: PersistedOptions;
  readonly files: { readonly entries: string; readonly metadata: string; readonly graph: string | null };
}

/** Writes one generation of index files into `dir`, then the manifest, then drops older generations. */
export async function writeIndexFiles(dir: string, content: IndexFilesContent): Promise<void> {
  await mkdir(dir, { recursive: true });
  const generation = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const { entries } = content;
  const n = entries.ids.length;
  const files = {
    entries: `entries-${generation}.bin`,
    metadata: `metadata-${generation}.json`,
    graph: content.graph === undefined ? null : `graph-${generation}.usearch`,
  };
  // ids, labels, then vectors; all 4-byte values in the machine's (recorded) byte order.
  const bytes = new Uint8Array(4 * (2 * n + entries.vectors.length));
  bytes.set(asBytes(entries.ids), 0);
  bytes.set(asBytes(entries.labels), 4 * n);
  bytes.set(asBytes(entries.vectors), 8 * n);
  await writeFile(join(dir, files.entries), bytes);
  await writeFile(join(dir, files.metadata), JSON.stringify(entries.metadata));
  if (content.graph !== undefined && files.graph !== null) content.graph.save(join(dir, files.graph));
  const manifest: Manifest = {
    format: FORMAT,
    version: VERSION,
    generation,
    littleEndian: new Uint8Array(Uint16Array.of(1).buffer)[0] === 1,
    size: n,
    options: content.options,
    files,
  };
  const staging = join(dir, `${MANIFEST}.${generation}.tmp`);
  await writeFile(staging, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(staging, join(dir, MANIFEST));
  const keep = new Set([MANIFEST, ...Object.values(files).filter((f): f is string => f !== null)]);
  for (const name of await readdir(dir)) {
    if (!keep.has(name) && /^(entries|metadata|graph)-.+\.(bin|json|usearch)$|^manifest\.json\..+\.tmp$/.test(name))
      await rm(join(dir, name), { force: true });
  }
}

/**
 * Reads the generation the manifest in `dir` names.
 *
 * @throws InvalidArgumentError when the manifest is missing, of another format or byte order, or
 *   disagrees with the files
 */
export async function readIndexFiles(dir: string): Promise<IndexFiles> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch (e) {
    throw new InvalidArgumentError(`no readable vector index in ${dir}: ${(e as Error).message}`);
  }
  const problems: string[] = [];
  if (manifest.format !== FORMAT || manifest.version !== VERSION)
    problems.push(`format ${manifest.format} v${manifest.version} is not ${FORMAT} v${VERSION}`);
  const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
  if (manifest.littleEndian !== littleEndian) problems.push('it was written on a machine of the other byte order');
  if (problems.length > 0) throw new InvalidArgumentError(problems.map((p) => `vector index in ${dir}: ${p}`));
  const n = manifest.size;
  const d = manifest.options.dimensions;
  const raw = await readFile(join(dir, manifest.files.entries));
  if (raw.byteLength !== 4 * n * (2 + d)) {
    throw new InvalidArgumentError(
      `vector index in ${dir}: ${manifest.files.entries} holds ${raw.byteLength} bytes, expected ${4 * n * (2 + d)} for ${n} entries of width ${d}`,
    );
  }
  // Copy into aligned buffers: a Buffer from readFile may start at any byte offset of its pool.
  const aligned = new Uint8Array(raw).buffer;
  const metadata = JSON.parse(await readFile(join(dir, manifest.files.metadata), 'utf8')) as (IndexMetadata | null)[];
  if (metadata.length !== n) throw new InvalidArgumentError(`vector index in ${dir}: ${metadata.length} metadata entries for ${n} entries`);
  return {
    options: manifest.options,
    entries: {
      ids: new Int32Array(aligned, 0, n),
      labels: new Int32Array(aligned, 4 * n, n),
      vectors: new Float32Array(aligned, 8 * n, n * d),
      metadata,
    },
    ...(manifest.files.graph === null ? {} : { graphPath: join(dir, manifest.files.graph) }),
  };
}

function asBytes(values: Int32Array | Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
