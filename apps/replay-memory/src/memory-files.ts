import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { AddSamplesRequest, type MemorySample as WireMemorySample } from '@mneme/contracts';
import { MnemeError } from '@mneme/errors';
import { writeFileAtomic, writeFully } from '@mneme/model-store';
import { ModelMemory, type ModelMemorySnapshot } from './model-memory.js';

const SNAPSHOT = 'memory.json';
const JOURNAL = 'memory.log';
/** A journal longer than this many bytes (and twice the snapshot) is folded into a new snapshot. */
export const DEFAULT_COMPACT_BYTES = 1 << 20;

/** A mutation as the journal records it (replaying it on the memory it followed repeats it exactly). */
export type JournalOp =
  | { readonly op: 'add'; readonly samples: readonly WireMemorySample[]; readonly remove: readonly string[] }
  | { readonly op: 'delete'; readonly ids: readonly string[] };

interface JournalLine {
  readonly seq: number;
  readonly op: 'add' | 'delete';
  /** base64 of an AddSamplesRequest holding the samples and the ids removed first. */
  readonly samples?: string;
  readonly ids?: readonly string[];
}

interface ModelFiles {
  /** Sequence number of the last journalled mutation. */
  seq: number;
  journal: FileHandle | undefined;
  journalBytes: number;
  snapshotBytes: number;
}

/**
 * The replay memories on disk: per model, a snapshot (`memory.json`, written atomically, carrying
 * the sequence number it includes) and a journal of the mutations since (`memory.log`, one JSON
 * line per mutation, fsynced before the mutation is answered). A mutation therefore costs one small
 * append, not a rewrite of the whole memory; the journal is folded into a new snapshot when it
 * outgrows it, and on load. A torn last line (a crash mid-append) is dropped: its mutation was
 * never answered.
 */
export class MemoryFiles {
  private readonly models = new Map<string, ModelFiles>();

  constructor(
    private readonly root: string,
    private readonly compactBytes = DEFAULT_COMPACT_BYTES,
  ) {}

  /** Every memory under the root, each with its journal replayed and folded into its snapshot. */
  async loadAll(): Promise<Map<string, ModelMemory>> {
    const memories = new Map<string, ModelMemory>();
    let models: string[];
    try {
      models = (await readdir(this.root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return memories;
      throw err;
    }
    for (const model of models) {
      const memory = await this.load(model);
      if (memory !== undefined) memories.set(model, memory);
    }
    return memories;
  }

  /** Writes the whole memory as the new snapshot and starts an empty journal (create, replace, compaction). */
  async save(memory: ModelMemory): Promise<void> {
    const files = this.filesOf(memory.modelId);
    await files.journal?.close();
    files.journal = undefined;
    const text = JSON.stringify({ ...memory.snapshot(), journalSeq: files.seq });
    await writeFileAtomic(join(this.root, memory.modelId, SNAPSHOT), text);
    // The snapshot holds every journalled mutation now; a crash before this removal replays none twice (seq).
    await rm(join(this.root, memory.modelId, JOURNAL), { force: true });
    files.journalBytes = 0;
    files.snapshotBytes = text.length;
  }

  /** Journals a mutation already applied to `memory` (durable when this resolves); compacts when due. */
  async append(memory: ModelMemory, op: JournalOp): Promise<void> {
    const files = this.filesOf(memory.modelId);
    const line: JournalLine =
      op.op === 'add'
        ? {
            seq: files.seq + 1,
            op: 'add',
            samples: Buffer.from(
              AddSamplesRequest.encode({ modelId: '', samples: [...op.samples], removeIds: [...op.remove], writerEpoch: 0 }).finish(),
            ).toString('base64'),
          }
        : { seq: files.seq + 1, op: 'delete', ids: op.ids };
    const text = `${JSON.stringify(line)}\n`;
    if (files.journal === undefined) {
      await mkdir(join(this.root, memory.modelId), { recursive: true });
      files.journal = await open(join(this.root, memory.modelId, JOURNAL), 'a');
    }
    // A short append (the disk filled up) must not leave half a line that later lines follow.
    const before = (await files.journal.stat()).size;
    try {
      await writeFully(files.journal, Buffer.from(text));
      await files.journal.datasync();
    } catch (err) {
      await files.journal.truncate(before).catch(() => undefined);
      throw err;
    }
    files.seq++;
    files.journalBytes += text.length;
    if (files.journalBytes > Math.max(this.compactBytes, 2 * files.snapshotBytes)) await this.save(memory);
  }

  /** Reloads one model's memory from disk (after a failed append left memory and disk apart). */
  async reload(modelId: string): Promise<ModelMemory | undefined> {
    await this.models.get(modelId)?.journal?.close();
    this.models.delete(modelId);
    return this.load(modelId);
  }

  /** Closes the open journals. */
  async close(): Promise<void> {
    await Promise.all([...this.models.values()].map((f) => f.journal?.close()));
    this.models.clear();
  }

  private async load(model: string): Promise<ModelMemory | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.root, model, SNAPSHOT), 'utf8');
    } catch (err) {
      // A folder without a snapshot is a create that never completed.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const snapshot = JSON.parse(text) as ModelMemorySnapshot & { journalSeq?: number };
    const memory = ModelMemory.restore(snapshot);
    const files: ModelFiles = { seq: snapshot.journalSeq ?? 0, journal: undefined, journalBytes: 0, snapshotBytes: text.length };
    this.models.set(model, files);
    const replayed = await this.replay(model, memory, files);
    if (replayed > 0) await this.save(memory);
    return memory;
  }

  /** Applies the journal's mutations after the snapshot's sequence number; returns how many. */
  private async replay(model: string, memory: ModelMemory, files: ModelFiles): Promise<number> {
    let text: string;
    try {
      text = await readFile(join(this.root, model, JOURNAL), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    const lines = text.split('\n');
    let replayed = 0;
    for (const [i, raw] of lines.entries()) {
      if (raw === '') continue;
      let line: JournalLine;
      try {
        line = JSON.parse(raw) as JournalLine;
      } catch {
        // Only the last line may be torn; anything else is corruption.
        if (i >= lines.length - 2) break;
        throw new MnemeError('internal', `the replay-memory journal of '${model}' has an unreadable line ${i + 1}`);
      }
      if (line.seq <= files.seq) continue;
      if (line.seq !== files.seq + 1)
        throw new MnemeError('internal', `the replay-memory journal of '${model}' skips from mutation ${files.seq} to ${line.seq}`);
      if (line.op === 'add') {
        const request = AddSamplesRequest.decode(Buffer.from(line.samples ?? '', 'base64'));
        memory.add(request.samples, request.removeIds);
      } else memory.delete(line.ids ?? []);
      files.seq = line.seq;
      replayed++;
    }
    return replayed;
  }

  private filesOf(modelId: string): ModelFiles {
    let files = this.models.get(modelId);
    if (files === undefined) {
      files = { seq: 0, journal: undefined, journalBytes: 0, snapshotBytes: 0 };
      this.models.set(modelId, files);
    }
    return files;
  }
}
