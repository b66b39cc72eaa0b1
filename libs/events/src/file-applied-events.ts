import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidArgumentError } from '@mneme/errors';
import { checkEventId, resolveCapacity, type AppliedEvents, type AppliedEventsOptions } from './applied-events.js';
import { BoundedIdSet } from './bounded-id-set.js';

/**
 * Applied event ids in an append-only file, one id per line, fsynced on every `mark`, so a
 * restarted consumer skips the events it applied before it died (its offsets may not have been
 * committed yet). Open with {@link FileAppliedEvents.open}. One process per file.
 *
 * The file is compacted to the newest `capacity` ids when it holds twice that many lines: the
 * compacted copy is written, fsynced and renamed over the log, so a crash leaves either log whole.
 */
export class FileAppliedEvents implements AppliedEvents {
  readonly #path: string;
  readonly #ids: BoundedIdSet;
  readonly #capacity: number;
  #file: FileHandle | undefined;
  #lines: number;
  // Appends and compaction are serialised: concurrent marks (different keys) must not interleave.
  #queue: Promise<void> = Promise.resolve();

  private constructor(path: string, file: FileHandle, ids: BoundedIdSet, lines: number, capacity: number) {
    this.#path = path;
    this.#file = file;
    this.#ids = ids;
    this.#lines = lines;
    this.#capacity = capacity;
  }

  /**
   * Opens (creating it and its folder if needed) the log at `path` and loads its ids. A torn last
   * line (the process died mid-write, before fsync returned) is ignored: that mark never resolved.
   */
  static async open(path: string, options?: AppliedEventsOptions): Promise<FileAppliedEvents> {
    if (path === '') throw new InvalidArgumentError('path of the applied-events log is empty');
    const capacity = resolveCapacity(options);
    await mkdir(dirname(path), { recursive: true });
    const ids = new BoundedIdSet(capacity);
    let lines = 0;
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    for (const line of complete.split('\n')) {
      if (line === '') continue;
      ids.add(line);
      lines += 1;
    }
    const file = await open(path, 'a');
    if (complete.length !== text.length) {
      // Drop the torn tail so the next append starts on a fresh line.
      await file.truncate(Buffer.byteLength(complete));
    }
    return new FileAppliedEvents(path, file, ids, lines, capacity);
  }

  has(eventId: string): Promise<boolean> {
    return Promise.resolve(this.#ids.has(eventId));
  }

  mark(eventId: string): Promise<void> {
    checkEventId(eventId);
    const run = this.#queue.then(() => this.#append(eventId));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.#queue;
    const file = this.#file;
    this.#file = undefined;
    await file?.close();
  }

  async #append(eventId: string): Promise<void> {
    if (this.#file === undefined) throw new InvalidArgumentError(`applied-events log ${this.#path} is closed`);
    if (this.#ids.has(eventId)) return;
    await this.#file.appendFile(`${eventId}\n`, 'utf8');
    await this.#file.sync();
    this.#ids.add(eventId);
    this.#lines += 1;
    if (this.#lines >= 2 * this.#capacity) await this.#compact();
  }

  async #compact(): Promise<void> {
    const tmp = `${this.#path}.compact`;
    const out = await open(tmp, 'w');
    try {
      await out.writeFile([...this.#ids.values()].map((id) => `${id}\n`).join(''), 'utf8');
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(tmp, this.#path);
    // The rename itself must survive a crash: fsync the folder that holds the entry.
    const dir = await open(dirname(this.#path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    await this.#file?.close();
    this.#file = await open(this.#path, 'a');
    this.#lines = this.#ids.size;
  }
}
