import { crc32 } from 'node:zlib';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFully } from './write-fully.js';
import { InvalidArgumentError, MnemeError } from '@mneme/errors';

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
  /** Token ids of the sample's text, for models whose strategy reads tokens (l2p on text). */
  readonly tokens?: readonly number[];
  /** Id of the event this record completed (set on the last record of an appended event). */
  readonly event?: string;
}

/** An announced end of an experience. */
export interface LoggedClose {
  readonly kind: 'close';
  readonly experience: number;
  readonly sampleCount: number;
  /** Id of the event this record completed. */
  readonly event?: string;
}

/** A data-deletion request: the samples with these ids are never trained on again. */
export interface LoggedForget {
  readonly kind: 'forget';
  readonly ids: readonly string[];
  /** Id of the event this record completed. */
  readonly event?: string;
}

/** How {@link SampleLog.open} opens a log. */
export interface SampleLogOpenOptions {
  /**
   * Read the log, never write it: for a segment another process wrote (or may still be writing).
   * A torn tail is ignored, not cut off. @default false
   */
  readonly readOnly?: boolean;
  /** Read only the first `limit` records; fewer whole records than that is an error. @default all */
  readonly limit?: number;
}

/** What the log holds. */
export type LoggedRecord = LoggedSample | LoggedClose | LoggedForget;

/** A record with its position in the log. */
export type LogEntry = LoggedRecord & { readonly position: number };

// Record layout: u32 body length | u32 crc32(body) | body; body = u32 header length | header JSON |
// float32 features (little-endian). A torn tail (a short last record, or a last record failing its
// checksum) is cut off on open; a record failing its checksum with records after it is damage, and
// opening the log fails with where it is and how to recover.
const PREFIX = 8;

/**
 * A model's durable, append-only stream log: what a trainer has accepted, in order, fsynced before
 * the append resolves. Sample ids are unique: a repeated id is not appended again (at-least-once
 * delivery never trains a sample twice). The trainer's loop reads it from its checkpointed position.
 * Forget records are tombstones: their ids stay known (a re-sent sample is still a duplicate) but
 * are reported as forgotten, so no replay trains on them.
 */
export class SampleLog {
  private readonly offsets: number[] = [];
  /** Position of each logged sample id. */
  private readonly ids = new Map<string, number>();
  /** Sample id at each position (undefined for close and forget records). */
  private readonly idsByPosition: (string | undefined)[] = [];
  private readonly forgotten = new Set<string>();
  private readonly events = new Set<string>();
  private end = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly readOnly: boolean,
  ) {}

  /** Opens (or creates) the log at `path`, dropping a torn tail left by a crash (see the options). */
  static async open(path: string, options: SampleLogOpenOptions = {}): Promise<SampleLog> {
    const readOnly = options.readOnly ?? false;
    const limit = options.limit ?? Infinity;
    if (!(limit === Infinity || (Number.isSafeInteger(limit) && limit >= 0)))
      throw new InvalidArgumentError(`limit must be a whole number of records, got ${limit}`);
    if (!readOnly) await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, readOnly ? 'r' : 'a+');
    const log = new SampleLog(path, handle, readOnly);
    try {
      await log.scan(limit);
    } catch (err) {
      await handle.close();
      throw err;
    }
    return log;
  }

  /** Whole records in the log at `path` (read-only; 0 when there is no file). */
  static async count(path: string): Promise<number> {
    let log: SampleLog;
    try {
      log = await SampleLog.open(path, { readOnly: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    await log.close();
    return log.length;
  }

  /** Records in the log. */
  get length(): number {
    return this.offsets.length;
  }

  /** Whether a sample id was logged. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** The log position of a logged sample id. */
  positionOf(id: string): number | undefined {
    return this.ids.get(id);
  }

  /** The sample id logged at a position (undefined for a close or forget record, or past the end). */
  idAt(position: number): string | undefined {
    return this.idsByPosition[position];
  }

  /** Whether a logged sample was forgotten (a forget record names it). */
  isForgotten(id: string): boolean {
    return this.forgotten.has(id);
  }

  /** Whether an appended event (`append`'s `event`) is whole in the log. */
  hasEvent(id: string): boolean {
    return this.events.has(id);
  }

  /**
   * Appends records and fsyncs once. Samples whose id is already logged (or repeated within the
   * call) are skipped; their ids are returned as duplicates. `event` names the event the records
   * come from: it is written on the last record, so the log itself says which events it holds
   * whole (a torn append leaves the event unmarked, and its redelivery fills in what is missing).
   */
  append(records: readonly LoggedRecord[], event?: string): Promise<{ appended: number; duplicates: string[] }> {
    if (this.readOnly) return Promise.reject(new InvalidArgumentError(`sample log ${this.path} is open read-only`));
    // Appends run one at a time: each computes its offsets from the end the previous one left.
    const run = this.appending.then(() => this.appendNow(records, event));
    this.appending = run.catch(() => undefined);
    return run;
  }

  private appending: Promise<unknown> = Promise.resolve();

  private async appendNow(
    records: readonly LoggedRecord[],
    event: string | undefined,
  ): Promise<{ appended: number; duplicates: string[] }> {
    const kept: LoggedRecord[] = [];
    const duplicates: string[] = [];
    const fresh = new Map<string, number>();
    const forgets: string[] = [];
    for (const r of records) {
      if (r.kind === 'sample') {
        if (this.ids.has(r.id) || fresh.has(r.id)) {
          duplicates.push(r.id);
          continue;
        }
        fresh.set(r.id, this.offsets.length + kept.length);
      } else if (r.kind === 'forget') forgets.push(...r.ids);
      kept.push(r);
    }
    if (event !== undefined && kept.length > 0) kept[kept.length - 1] = { ...kept[kept.length - 1]!, event };
    const chunks: Buffer[] = [];
    const offsets: number[] = [];
    let at = this.end;
    for (const r of kept) {
      const bytes = encode(r);
      offsets.push(at);
      chunks.push(bytes);
      at += bytes.byteLength;
    }
    if (chunks.length > 0) {
      try {
        await writeFully(this.handle, Buffer.concat(chunks), this.end);
        await this.handle.sync();
      } catch (err) {
        // Nothing of a failed append counts: cut what part of it reached the file, so the next
        // append starts at the same end and a reopen finds no half record.
        await this.handle.truncate(this.end).catch(() => undefined);
        throw writeFailure(this.path, err);
      }
      this.offsets.push(...offsets);
      for (const [id, position] of fresh) {
        this.ids.set(id, position);
        this.idsByPosition[position] = id;
      }
      this.idsByPosition.length = this.offsets.length;
      for (const id of forgets) this.forgotten.add(id);
      if (event !== undefined) this.events.add(event);
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

  private async scan(limit: number): Promise<void> {
    const { size } = await this.handle.stat();
    const buf = Buffer.alloc(size);
    if (size > 0) await this.handle.read(buf, 0, size, 0);
    let at = 0;
    while (at + PREFIX <= size && this.offsets.length < limit) {
      const len = buf.readUInt32LE(at);
      if (at + PREFIX + len > size) break;
      const body = buf.subarray(at + PREFIX, at + PREFIX + len);
      if (crc32(body) !== buf.readUInt32LE(at + 4)) {
        // The last record may be a torn append (cut below); a bad record with more after it is damage.
        if (at + PREFIX + len === size) break;
        throw corruptRecord(this.path, at, this.offsets.length, size);
      }
      const record = decode(body);
      if (record.kind === 'sample') {
        this.ids.set(record.id, this.offsets.length);
        this.idsByPosition[this.offsets.length] = record.id;
      } else if (record.kind === 'forget') for (const id of record.ids) this.forgotten.add(id);
      if (record.event !== undefined) this.events.add(record.event);
      this.offsets.push(at);
      at += PREFIX + len;
    }
    if (limit !== Infinity && this.offsets.length < limit)
      throw new MnemeError(
        'internal',
        `sample log ${this.path} holds ${this.offsets.length} whole records, ${limit} were recorded as written`,
      );
    this.idsByPosition.length = this.offsets.length;
    if (at < size && !this.readOnly) await this.handle.truncate(at); // a torn tail from a crash mid-append
    this.end = at;
  }
}

/**
 * Stored state that cannot be read as written (a sample log damaged before its end): the model it
 * belongs to stops until an operator repairs it; other models go on.
 */
export class DamagedStateError extends MnemeError {
  constructor(message: string) {
    super('failed-precondition', message);
  }
}

/** A record that fails its checksum with records after it: damage, never cut silently. */
function corruptRecord(path: string, offset: number, index: number, size: number): MnemeError {
  return new DamagedStateError(
    `sample log ${path} is damaged: record ${index} at byte ${offset} fails its checksum and ${size - offset} bytes of later records follow, so it is not a torn tail; ` +
      `the model stops here instead of dropping them. Recover by restoring the file from a backup (or re-sending the model's samples from Kafka), ` +
      `or accept the loss by truncating the file to ${offset} bytes (records ${index} onwards are then gone)`,
  );
}

function encode(record: LoggedRecord): Buffer {
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

function decode(body: Buffer): LoggedRecord {
  const jsonLength = body.readUInt32LE(0);
  const header = JSON.parse(body.subarray(4, 4 + jsonLength).toString('utf8')) as
    Omit<LoggedSample, 'features'> | LoggedClose | LoggedForget;
  if (header.kind === 'close' || header.kind === 'forget') return header;
  const count = (body.byteLength - 4 - jsonLength) / 4;
  const features = new Float32Array(count);
  for (let i = 0; i < count; i++) features[i] = body.readFloatLE(4 + jsonLength + 4 * i);
  return { ...header, features };
}

/** A failed write as the caller should see it: a full disk is a quota to free, not a bug. */
function writeFailure(path: string, err: unknown): MnemeError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new MnemeError(
      'resource-exhausted',
      `no space left on the disk holding sample log ${path} (${code}): nothing of this append was kept; free space, then send the samples again`,
      { cause: err },
    );
  }
  return new MnemeError(
    'unavailable',
    `could not write sample log ${path}: ${(err as Error).message}; nothing of this append was kept; send the samples again`,
    { cause: err },
  );
}
