/** Model files on disk, with ONNX external data for large initializers. */
import { type Tensor } from '@mneme/tensor';
import { readFileSync, realpathSync } from 'node:fs';
import { lstat, readFile, realpath, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ExternalDataError } from './errors.js';
import { ModelProto } from './generated/onnx/onnx.js';
import { type Model } from './ir.js';
import { decodeModel, modelToProto } from './model-codec.js';
import { type ExternalDataRef, tensorBytes } from './tensor-codec.js';

/** Options of `saveModel`. */
export interface SaveModelOptions {
  /**
   * Initializers of at least this many bytes go to an external data file next to the model;
   * `undefined` keeps everything inline (protobuf caps a model file at 2 GiB).
   * @default undefined
   */
  externalDataThreshold?: number | undefined;
  /**
   * External data file name, relative to the model file's directory.
   * @default `<model file name>.data`
   */
  externalDataFile?: string | undefined;
}

// ONNX Runtime can memory-map external data; page-aligned offsets keep that possible.
const EXTERNAL_ALIGNMENT = 4096;

function isInside(dir: string, path: string, allowEqual = false): boolean {
  const rel = relative(dir, path);
  if (rel === '') return allowEqual;
  return !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** Rejects writing `dataPath` when it, or its folder, leads outside the model directory via links. */
async function assertWritableInside(modelDir: string, dataPath: string, location: string): Promise<void> {
  const realDir = await realpath(modelDir);
  let parent: string;
  try {
    parent = await realpath(dirname(dataPath));
  } catch (error) {
    throw new ExternalDataError(`Folder of external data file '${location}' does not exist`, { cause: error });
  }
  const isLink = await lstat(dataPath).then(
    (s) => s.isSymbolicLink(),
    () => false,
  );
  if (isLink || !isInside(realDir, parent, true)) {
    throw new ExternalDataError(`External data location '${location}' resolves outside the model directory`);
  }
}

/**
 * Resolves an external-data `location` against the model directory, rejecting absolute paths and
 * paths that escape the directory (also through symbolic links once the file exists).
 */
export function resolveExternalPath(modelDir: string, location: string): string {
  if (location === '' || isAbsolute(location) || /^[a-zA-Z]:/.test(location) || location.includes('\0')) {
    throw new ExternalDataError(`External data location '${location}' must be a relative path inside the model directory`);
  }
  const full = resolve(modelDir, location);
  if (!isInside(resolve(modelDir), full)) {
    throw new ExternalDataError(`External data location '${location}' escapes the model directory`);
  }
  return full;
}

function checkRealPath(modelDir: string, full: string, location: string): void {
  let real: string;
  try {
    real = realpathSync(full);
  } catch (error) {
    throw new ExternalDataError(`External data file '${location}' cannot be read: ${String(error)}`, { cause: error });
  }
  if (!isInside(realpathSync(modelDir), real)) {
    throw new ExternalDataError(`External data location '${location}' resolves outside the model directory`);
  }
}

/**
 * Reads an ONNX model file. Tensors stored as external data are read from files relative to the
 * model's directory; locations that escape that directory are rejected with `ExternalDataError`.
 */
export async function loadModel(path: string): Promise<Model> {
  const bytes = await readFile(path);
  const modelDir = dirname(resolve(path));
  const files = new Map<string, Uint8Array>();
  return decodeModel(bytes, {
    resolveExternal: (ref: ExternalDataRef, tensorName: string) => {
      const full = resolveExternalPath(modelDir, ref.location);
      let data = files.get(full);
      if (data === undefined) {
        checkRealPath(modelDir, full, ref.location);
        data = readFileSync(full);
        files.set(full, data);
      }
      const end = ref.length === undefined ? data.byteLength : ref.offset + ref.length;
      if (end > data.byteLength) {
        throw new ExternalDataError(
          `Tensor '${tensorName}' needs bytes ${ref.offset}..${end} of '${ref.location}', which has ${data.byteLength}`,
        );
      }
      return data.subarray(ref.offset, end);
    },
  });
}

/**
 * Writes a model file. With `externalDataThreshold`, large initializers go to one external data
 * file beside it (page-aligned offsets, ONNX `location`/`offset`/`length` keys).
 */
export async function saveModel(model: Model, path: string, options: SaveModelOptions = {}): Promise<void> {
  const modelDir = dirname(resolve(path));
  const threshold = options.externalDataThreshold;
  if (threshold === undefined) {
    await writeFile(path, ModelProto.encode(modelToProto(model)).finish());
    return;
  }
  if (!(threshold >= 0)) throw new ExternalDataError(`externalDataThreshold must be ≥ 0, got ${threshold}`);
  const location = options.externalDataFile ?? `${basename(path)}.data`;
  const dataPath = resolveExternalPath(modelDir, location);
  const chunks: { offset: number; tensor: Tensor }[] = [];
  let offset = 0;
  const proto = modelToProto(model, (_name, tensor) => {
    const length = tensor.data.byteLength;
    if (length < threshold || length === 0) return undefined;
    offset = Math.ceil(offset / EXTERNAL_ALIGNMENT) * EXTERNAL_ALIGNMENT;
    chunks.push({ offset, tensor });
    const ref = { location: relative(modelDir, dataPath).split(sep).join('/'), offset, length };
    offset += length;
    return ref;
  });
  if (chunks.length > 0) {
    await assertWritableInside(modelDir, dataPath, location);
    // One buffer, one writeFile: it writes every byte or fails (a positional write may stop short
    // on a full disk without an error).
    const data = Buffer.alloc(offset);
    for (const c of chunks) data.set(tensorBytes(c.tensor).subarray(0, c.tensor.data.byteLength), c.offset);
    await writeFile(dataPath, data);
  }
  await writeFile(path, ModelProto.encode(proto).finish());
}
