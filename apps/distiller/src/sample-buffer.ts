import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TrainingSample } from '@mneme/contracts';
import { MnemeError } from '@mneme/errors';
import { sampleRow } from '@mneme/service-runtime';

/** The real samples of one experience, as distillation reads them. */
export interface ExperienceData {
  /** `labels.length × width`, row-major. */
  readonly rows: Float32Array;
  readonly width: number;
  /** Label name of each row. */
  readonly labels: readonly string[];
}

/** Ids forgotten on request, one JSON string per line. */
const FORGOTTEN = 'forgotten.jsonl';

interface BufferedLine {
  readonly id: string;
  readonly label: string;
  readonly row: number[];
}

/**
 * The training samples of each (model, experience), buffered durably until the experience is
 * distilled: one append-only JSON-lines file per experience, fsynced per append. A torn last line
 * (a crash mid-append) is ignored, and samples are deduplicated by id on read, so a redelivered
 * event appended twice counts once.
 */
export class SampleBuffer {
  // Appends are serialised so lines never interleave.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly root: string) {}

  /**
   * Appends the samples that carry features; others (text without features) are returned, not
   * stored: distillation needs the classifier's input space.
   */
  append(modelId: string, samples: readonly TrainingSample[]): Promise<{ stored: number; skipped: string[] }> {
    const byExperience = new Map<number, string[]>();
    const skipped: string[] = [];
    samples.forEach((s, i) => {
      const sample = s.sample;
      try {
        if (sample === undefined || sample.sampleId === '' || sample.label === '')
          throw new MnemeError('invalid-argument', 'sample, id or label missing');
        const line: BufferedLine = { id: sample.sampleId, label: sample.label, row: Array.from(sampleRow(sample, `samples[${i}]`)) };
        const experience = s.experience?.experienceIndex ?? 0;
        byExperience.set(experience, [...(byExperience.get(experience) ?? []), JSON.stringify(line)]);
      } catch (err) {
        skipped.push(`${sample?.sampleId ?? `#${i}`}: ${MnemeError.from(err).message}`);
      }
    });
    const work = async () => {
      let stored = 0;
      for (const [experience, lines] of byExperience) {
        await appendDurably(this.fileOf(modelId, experience), `${lines.join('\n')}\n`);
        stored += lines.length;
      }
      return { stored, skipped };
    };
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Forgets samples for good (a data-deletion request): their ids go into the model's durable
   * tombstone file, so no later read returns them, whenever they arrived.
   *
   * @returns per experience, how many of its buffered samples were forgotten now
   */
  forget(modelId: string, ids: readonly string[]): Promise<Map<number, number>> {
    const work = async () => {
      const doomed = new Set(ids);
      const already = await this.forgotten(modelId);
      const removed = new Map<number, number>();
      for (const experience of await this.experiences(modelId)) {
        const held = [...(await this.lines(modelId, experience)).keys()].filter((id) => doomed.has(id) && !already.has(id));
        if (held.length > 0) removed.set(experience, held.length);
      }
      const fresh = [...doomed].filter((id) => !already.has(id));
      if (fresh.length > 0)
        await appendDurably(join(this.root, modelId, FORGOTTEN), `${fresh.map((id) => JSON.stringify(id)).join('\n')}\n`);
      return removed;
    };
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Every distinct buffered sample of an experience that was not forgotten (empty when none arrived). */
  async read(modelId: string, experience: number): Promise<ExperienceData> {
    const forgotten = await this.forgotten(modelId);
    const lines = [...(await this.lines(modelId, experience)).values()].filter((l) => !forgotten.has(l.id));
    const width = lines[0]?.row.length ?? 0;
    const usable = lines.filter((l) => l.row.length === width);
    const rows = new Float32Array(usable.length * width);
    usable.forEach((l, i) => rows.set(l.row, i * width));
    return { rows, width, labels: usable.map((l) => l.label) };
  }

  /** The buffered lines of an experience by id (a redelivered sample counts once). */
  private async lines(modelId: string, experience: number): Promise<Map<string, BufferedLine>> {
    let text = '';
    try {
      text = await readFile(this.fileOf(modelId, experience), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const byId = new Map<string, BufferedLine>();
    for (const line of complete.split('\n')) {
      const parsed = parseLine(line);
      if (parsed !== undefined) byId.set(parsed.id, parsed);
    }
    return byId;
  }

  /** Experiences with a buffer file. */
  private async experiences(modelId: string): Promise<number[]> {
    try {
      return (await readdir(join(this.root, modelId)))
        .filter((f) => /^\d+\.jsonl$/.test(f))
        .map((f) => Number(f.slice(0, -'.jsonl'.length)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** Ids forgotten for the model (whole lines of its tombstone file). */
  private async forgotten(modelId: string): Promise<Set<string>> {
    let text = '';
    try {
      text = await readFile(join(this.root, modelId, FORGOTTEN), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const ids = new Set<string>();
    for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
      if (line === '') continue;
      try {
        ids.add(JSON.parse(line) as string);
      } catch {
        // A torn line from a crash mid-append: its request was never answered.
      }
    }
    return ids;
  }

  private fileOf(modelId: string, experience: number): string {
    return join(this.root, modelId, `${experience}.jsonl`);
  }
}

async function appendDurably(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'a');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A buffered line, or undefined for a torn one (a crash mid-append, later appended after). */
function parseLine(line: string): BufferedLine | undefined {
  if (line === '') return undefined;
  try {
    return JSON.parse(line) as BufferedLine;
  } catch {
    return undefined;
  }
}
