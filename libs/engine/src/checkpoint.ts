import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { formatShape } from '@mneme/tensor';
import { tensor } from '@mneme/tensor';
import { EngineError } from './engine-error.js';
import { type Float32Tensor, ParameterStore } from '@mneme/execution';

/**
 * A checkpoint file cannot be read back: truncated, corrupt (a checksum differs), or not a mneme
 * checkpoint at all. Kind `failed-precondition`: the file, not the caller's arguments, is wrong.
 */
export class CheckpointError extends EngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('failed-precondition', message, options);
  }
}

// Layout: magic (8) | format version u32 LE | header length u32 LE | sha256(header) (32) | header
// JSON | zero padding to 8 | data. Every tensor starts 8-aligned within the data. The header holds
// the data's sha256, so one flipped bit anywhere is caught.
const MAGIC = Buffer.from('MNEMECKP', 'ascii');
const FORMAT_VERSION = 1;
const PREAMBLE = 8 + 4 + 4 + 32;
const ALIGN = 8;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface EntryHeader {
  kind: 'param' | 'state';
  name: string;
  slot?: string;
  dtype: 'float32';
  shape: number[];
  offset: number;
  byteLength: number;
}

interface CheckpointHeader {
  step: number;
  metadata: Record<string, string>;
  dataBytes: number;
  dataSha256: string;
  entries: EntryHeader[];
}

const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/** Little-endian bytes of a float32 tensor (a view on little-endian hosts, a swapped copy otherwise). */
function littleEndianBytes(t: Float32Tensor): Uint8Array {
  const view = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (HOST_LITTLE_ENDIAN) return view;
  const copy = Uint8Array.from(view);
  for (let i = 0; i < copy.length; i += 4) copy.subarray(i, i + 4).reverse();
  return copy;
}

/**
 * Writes `store` (parameters, optimizer state, step, metadata) to one file, atomically: a temporary
 * file beside `path` is written and fsynced, then renamed over `path`, then the folder is fsynced. A
 * crash leaves either the old file or the new one, never a mix.
 */
export async function saveCheckpoint(path: string, store: ParameterStore): Promise<void> {
  const tensors: { entry: EntryHeader; bytes: Uint8Array }[] = [];
  let offset = 0;
  const add = (kind: 'param' | 'state', name: string, t: Float32Tensor, slot?: string): void => {
    const bytes = littleEndianBytes(t);
    offset = align(offset);
    tensors.push({
      entry: {
        kind,
        name,
        ...(slot === undefined ? {} : { slot }),
        dtype: 'float32',
        shape: [...t.shape],
        offset,
        byteLength: bytes.byteLength,
      },
      bytes,
    });
    offset += bytes.byteLength;
  };
  for (const name of store.names()) {
    add('param', name, store.get(name));
    for (const slot of store.stateSlots(name)) add('state', name, store.getState(name, slot), slot);
  }
  const dataBytes = offset;
  const hash = createHash('sha256');
  let at = 0;
  for (const { entry, bytes } of tensors) {
    if (entry.offset > at) hash.update(new Uint8Array(entry.offset - at));
    hash.update(bytes);
    at = entry.offset + bytes.byteLength;
  }
  const header: CheckpointHeader = {
    step: store.step,
    metadata: { ...store.metadata },
    dataBytes,
    dataSha256: hash.digest('hex'),
    entries: tensors.map((t) => t.entry),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const preamble = Buffer.alloc(PREAMBLE);
  MAGIC.copy(preamble, 0);
  preamble.writeUInt32LE(FORMAT_VERSION, 8);
  preamble.writeUInt32LE(headerBytes.byteLength, 12);
  createHash('sha256').update(headerBytes).digest().copy(preamble, 16);
  const dataStart = align(PREAMBLE + headerBytes.byteLength);

  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // The whole file in one buffer (padding stays zero), written by writeFile, which writes every
  // byte or fails: a positional write may stop short on a full disk without an error.
  const file = Buffer.alloc(dataStart + dataBytes);
  file.set(preamble, 0);
  file.set(headerBytes, PREAMBLE);
  for (const { entry, bytes } of tensors) file.set(bytes, dataStart + entry.offset);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(file);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

// Makes the rename itself durable; some platforms cannot fsync a directory, which is not an error there.
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Not supported here (e.g. Windows); the data file itself was fsynced.
  } finally {
    await handle?.close();
  }
}

/**
 * Reads a checkpoint written by {@link saveCheckpoint}; tensors come back bit for bit.
 *
 * @throws CheckpointError when the file is not a checkpoint, is truncated, or fails a checksum
 */
export async function loadCheckpoint(path: string): Promise<ParameterStore> {
  const file = await readFile(path);
  const fail = (why: string): never => {
    throw new CheckpointError(`checkpoint '${path}' cannot be restored: ${why}`);
  };
  if (file.byteLength < PREAMBLE) fail(`it is truncated (${file.byteLength} bytes, shorter than the ${PREAMBLE}-byte preamble)`);
  if (!file.subarray(0, 8).equals(MAGIC)) fail('it is not a mneme checkpoint (wrong magic bytes)');
  const version = file.readUInt32LE(8);
  if (version !== FORMAT_VERSION) fail(`its format version is ${version}; this engine reads version ${FORMAT_VERSION}`);
  const headerLength = file.readUInt32LE(12);
  if (PREAMBLE + headerLength > file.byteLength)
    fail(`it is truncated inside the header (${file.byteLength} bytes, header ends at ${PREAMBLE + headerLength})`);
  const headerBytes = file.subarray(PREAMBLE, PREAMBLE + headerLength);
  if (!createHash('sha256').update(headerBytes).digest().equals(file.subarray(16, 48))) fail('its header is corrupt (sha256 mismatch)');
  let header: CheckpointHeader;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as CheckpointHeader;
  } catch (error) {
    return fail(`its header is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const dataStart = align(PREAMBLE + headerLength);
  const expected = dataStart + header.dataBytes;
  if (file.byteLength < expected) fail(`it is truncated (${file.byteLength} bytes, expected ${expected})`);
  if (file.byteLength > expected) fail(`it has ${file.byteLength - expected} unexpected trailing bytes (expected ${expected} bytes)`);
  const data = file.subarray(dataStart, expected);
  if (createHash('sha256').update(data).digest('hex') !== header.dataSha256) fail('its data is corrupt (sha256 mismatch)');

  const store = new ParameterStore();
  store.step = header.step;
  store.metadata = { ...header.metadata };
  for (const entry of header.entries) {
    const count = entry.shape.reduce((a, d) => a * d, 1);
    if (entry.dtype !== 'float32' || entry.byteLength !== count * 4 || entry.offset + entry.byteLength > header.dataBytes) {
      fail(
        `entry '${entry.name}' (${entry.dtype} ${formatShape(entry.shape)}) does not fit its ${entry.byteLength} bytes at offset ${entry.offset}`,
      );
    }
    const values = new Float32Array(count);
    const bytes = new Uint8Array(values.buffer);
    bytes.set(data.subarray(entry.offset, entry.offset + entry.byteLength));
    if (!HOST_LITTLE_ENDIAN) for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
    const t = tensor('float32', entry.shape, values);
    if (entry.kind === 'param') store.set(entry.name, t);
    else store.setState(entry.name, entry.slot ?? '', t);
  }
  return store;
}
