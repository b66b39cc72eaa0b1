import { crc32 } from 'node:zlib';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A labelled sample as the log keeps it. */
export interface LoggedSample {
  readonly kind: 'sample';
  /** The producer's sample id (unique within the model). */
  readonly id: string;
  readonly experience: number;
  readonly taskId?: number;
  /** Class index. */
  readonly label: number;
  readonly features: Float32Array;
}

/** An announced end of an experience. */
export interface LoggedClose {
  readonly kind: 'close';
  readonly experience: number;
  readonly sampleCount: number;
}

/** A record with its position in the log. */
export type LogEntry = (LoggedSample | LoggedClose) & { readonly position: number };

// Record layout: u32 body length | u32 crc32(body) | body; body = u32 header length | header JSON |
// float32 features (little-endian). A torn tail (short or failing its checksum) is cut off on open.
const PREFIX = 8;

/**
 * A model's durable, append-only stream log: what a trainer has accepted, in order, fsynced before
 * the append resolves. Sample ids are unique: a repeated id is not appended again (at-least-once
 * delivery never trains a sample twice). The trainer's loop reads it from its checkpointed position.
 */
export class SampleLog {
  private readonly offsets: number[] = [];
  private readonly ids = new Set<string>();
  private end = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Opens (or creates) the log at `path`, dropping a torn tail left by a crash. */
  static async open(path: string): Promise<SampleLog> {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, 'a+');
    const log = new SampleLog(path, handle);
    await log.scan();
    return log;
  }

  /** Records in the log. */
  get length(): number {
    return this.offsets.length;
  }

  /** Whether a sample id was logged. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /**
   * Appends records and fsyncs once. Samples whose id is already logged (or repeated within the
   * call) are skipped; their ids are returned as duplicates.
   */
  append(records: readonly (LoggedSample | LoggedClose)[]): Promise<{ appended: number; duplicates: string[] }> {
    // Appends run one at a time: each computes its offsets from the end the previous one left.
    const run = this.appending.then(() => this.appendNow(records));
    this.appending = run.catch(() => undefined);
    return run;
  }

  private appending: Promise<unknown> = Promise.resolve();

  private async appendNow(records: readonly (LoggedSample | LoggedClose)[]): Promise<{ appended: number; duplicates: string[] }> {
    const chunks: Buffer[] = [];
    const duplicates: string[] = [];
    const fresh = new Set<string>();
    const offsets: number[] = [];
    let at = this.end;
    for (const r of records) {
      if (r.kind === 'sample') {
        if (this.ids.has(r.id) || fresh.has(r.id)) {
          duplicates.push(r.id);
          continue;
        }
        fresh.add(r.id);
      }
      const bytes = encode(r);
      offsets.push(at);
      chunks.push(bytes);
      at += bytes.byteLength;
    }
    if (chunks.length > 0) {
      await this.handle.write(Buffer.concat(chunks), 0, undefined, this.end);
      await this.handle.sync();
      this.offsets.push(...offsets);
      for (const id of fresh) this.ids.add(id);
      this.end = at;
    }
    return { appended: chunks.length, duplicates };
  }

  /** Reads records `from` (inclusive) up to `to` (exclusive, default the end). */
  async read(from: number, to: number = this.length): Promise<LogEntry[]> {
    const entries: LogEntry[] = [];
    if (from >= to) return entries;
    const start = this.offsets[from]!;
    const stop = to >= this.length ? this.end : this.offsets[to]!;
    const buf = Buffer.alloc(stop - start);
    await this.handle.read(buf, 0, buf.byteLength, start);
    let at = 0;
    for (let p = from; p < to; p++) {
      const len = buf.readUInt32LE(at);
      entries.push({ ...decode(buf.subarray(at + PREFIX, at + PREFIX + len)), position: p });
      at += PREFIX + len;
    }
    return entries;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private async scan(): Promise<void> {
    const { size } = await this.handle.stat();
    const buf = Buffer.alloc(size);
    if (size > 0) await this.handle.read(buf, 0, size, 0);
    let at = 0;
    while (at + PREFIX <= size) {
      const len = buf.readUInt32LE(at);
      if (at + PREFIX + len > size) break;
      const body = buf.subarray(at + PREFIX, at + PREFIX + len);
      if (crc32(body) !== buf.readUInt32LE(at + 4)) break;
      const record = decode(body);
      if (record.kind === 'sample') this.ids.add(record.id);
      this.offsets.push(at);
      at += PREFIX + len;
    }
    if (at < size) await this.handle.truncate(at); // a torn tail from a crash mid-append
    this.end = at;
  }
}

function encode(record: LoggedSample | LoggedClose): Buffer {
  const { features, ...header } = record.kind === 'sample' ? record : { ...record, features: new Float32Array(0) };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const body = Buffer.alloc(4 + json.byteLength + features.byteLength);
  body.writeUInt32LE(json.byteLength, 0);
  json.copy(body, 4);
  for (let i = 0; i < features.length; i++) body.writeFloatLE(features[i]!, 4 + json.byteLength + 4 * i);
  const prefix = Buffer.alloc(PREFIX);
  prefix.writeUInt32LE(body.byteLength, 0);
  prefix.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([prefix, body]);
}

function decode(body: Buffer): LoggedSample | LoggedClose {
  const jsonLength = body.readUInt32LE(0);
  const header = JSON.parse(body.subarray(4, 4 + jsonLength).toString('utf8')) as Omit<LoggedSample, 'features'> | LoggedClose;
  if (header.kind === 'close') return header;
  const count = (body.byteLength - 4 - jsonLength) / 4;
  const features = new Float32Array(count);
  for (let i = 0; i < count; i++) features[i] = body.readFloatLE(4 + jsonLength + 4 * i);
  return { ...header, features };
}
