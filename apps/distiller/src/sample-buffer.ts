import { mkdir, open, readFile } from 'node:fs/promises';
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
        if (sample === undefined || sample.sampleId === '' || sample.label === '') throw new MnemeError('invalid-argument', 'sample, id or label missing');
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

  /** Every distinct buffered sample of an experience (empty when none arrived). */
  async read(modelId: string, experience: number): Promise<ExperienceData> {
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
    const lines = [...byId.values()];
    const width = lines[0]?.row.length ?? 0;
    const usable = lines.filter((l) => l.row.length === width);
    const rows = new Float32Array(usable.length * width);
    usable.forEach((l, i) => rows.set(l.row, i * width));
    return { rows, width, labels: usable.map((l) => l.label) };
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
