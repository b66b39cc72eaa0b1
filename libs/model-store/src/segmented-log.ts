import { join } from 'node:path';
import { InvalidArgumentError } from '@mneme/errors';
import { SampleLog, type LogEntry, type LoggedRecord, type LoggedSample } from './sample-log.js';

/** A finished segment as its successor recorded it: the epoch that wrote it and its records in use. */
export interface SealedSegment {
  readonly epoch: number;
  readonly records: number;
}

/** The file of the segment written in `epoch`, in a segmented log's folder. */
export function segmentPath(dir: string, epoch: number): string {
  return join(dir, `${epoch}.log`);
}

/**
 * A model's sample log as a chain of segments, one per owner epoch: each owner appends only to its
 * own segment (`<dir>/<epoch>.log`) and reads its predecessors' segments up to the record counts
 * sealed when it took over. A former owner that writes on after it lost the model (a paused
 * process) writes past its sealed count, where nobody reads: it cannot corrupt the log.
 * Positions run across segments, so the chain reads as the one log an uninterrupted owner would
 * have written (repeated sample ids are dropped across all segments).
 */
export class SegmentedLog {
  private readonly starts: number[];

  private constructor(
    private readonly sealed: readonly SampleLog[],
    private readonly current: SampleLog,
    readonly epoch: number,
  ) {
    let at = 0;
    this.starts = [...sealed, current].map((s) => {
      const start = at;
      at += s.length;
      return start;
    });
  }

  /**
   * Opens the chain: the sealed segments read-only up to their counts, and the segment of `epoch`
   * for appending (created when missing). A sealed segment with fewer whole records than its count
   * is an error: records a successor counted on are gone.
   */
  static async open(dir: string, sealed: readonly SealedSegment[], epoch: number): Promise<SegmentedLog> {
    const problems: string[] = [];
    let previous = -1;
    for (const s of sealed) {
      if (!(Number.isSafeInteger(s.epoch) && s.epoch > previous && s.epoch < epoch))
        problems.push(`sealed segment epochs must rise and stay below ${epoch}, got ${s.epoch} after ${previous}`);
      if (!(Number.isSafeInteger(s.records) && s.records >= 0)) problems.push(`sealed segment ${s.epoch} has ${s.records} records`);
      previous = s.epoch;
    }
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const opened: SampleLog[] = [];
    try {
      // An epoch that logged nothing may have left no file at all.
      for (const s of sealed)
        if (s.records > 0) opened.push(await SampleLog.open(segmentPath(dir, s.epoch), { readOnly: true, limit: s.records }));
      const current = await SampleLog.open(segmentPath(dir, epoch));
      return new SegmentedLog(opened, current, epoch);
    } catch (err) {
      await Promise.allSettled(opened.map((l) => l.close()));
      throw err;
    }
  }

  /** Records in the chain. */
  get length(): number {
    return this.starts[this.starts.length - 1]! + this.current.length;
  }

  /** Records of this epoch's own segment. */
  get ownLength(): number {
    return this.current.length;
  }

  /** Whether a sample id was logged in any segment. */
  has(id: string): boolean {
    return this.current.has(id) || this.sealed.some((s) => s.has(id));
  }

  /** The log position of a logged sample id. */
  positionOf(id: string): number | undefined {
    const segments = [...this.sealed, this.current];
    for (let i = 0; i < segments.length; i++) {
      const at = segments[i]!.positionOf(id);
      if (at !== undefined) return this.starts[i]! + at;
    }
    return undefined;
  }

  /** The sample id logged at a chain position (undefined for a close or forget record, or past the end). */
  idAt(position: number): string | undefined {
    const segments = [...this.sealed, this.current];
    for (let i = segments.length - 1; i >= 0; i--) if (position >= this.starts[i]!) return segments[i]!.idAt(position - this.starts[i]!);
    return undefined;
  }

  /** Whether a logged sample was forgotten (a forget record in any segment names it). */
  isForgotten(id: string): boolean {
    return this.current.isForgotten(id) || this.sealed.some((s) => s.isForgotten(id));
  }

  /** Whether an event was appended whole in any segment. */
  hasEvent(id: string): boolean {
    return this.current.hasEvent(id) || this.sealed.some((s) => s.hasEvent(id));
  }

  /** Appends to this epoch's segment (see SampleLog.append); ids logged in sealed segments are duplicates too. */
  async append(records: readonly LoggedRecord[], event?: string): Promise<{ appended: number; duplicates: string[] }> {
    const earlier = new Set(
      records.filter((r) => r.kind === 'sample' && this.sealed.some((s) => s.has(r.id))).map((r) => (r as LoggedSample).id),
    );
    const rest = earlier.size === 0 ? records : records.filter((r) => !(r.kind === 'sample' && earlier.has(r.id)));
    const result = await this.current.append(rest, event);
    const repeated = records.filter((r) => r.kind === 'sample' && earlier.has(r.id)).map((r) => (r as LoggedSample).id);
    return { appended: result.appended, duplicates: [...repeated, ...result.duplicates] };
  }

  /** Reads records `from` (inclusive) up to `to` (exclusive, default the end), across segments. */
  async read(from: number, to: number = this.length): Promise<LogEntry[]> {
    const segments = [...this.sealed, this.current];
    const entries: LogEntry[] = [];
    for (let i = 0; i < segments.length && from < to; i++) {
      const start = this.starts[i]!;
      const end = start + segments[i]!.length;
      if (from >= end) continue;
      const upTo = Math.min(to, end);
      for (const e of await segments[i]!.read(from - start, upTo - start)) entries.push({ ...e, position: e.position + start });
      from = upTo;
    }
    return entries;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.sealed, this.current].map((s) => s.close()));
  }
}
