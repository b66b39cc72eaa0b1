import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from '@mneme/errors';
import { ClassIndex } from '@mneme/methods';
import { writeFileAtomic } from '@mneme/model-store';

/**
 * A model's label names in class order: the labels declared at creation, then every new label in
 * order of first arrival in the model's log. The table is written durably before the first log
 * record that uses a new class, so a restart reads back the same indices the log was written with.
 */
export class LabelTable {
  // The same first-arrival indexing `mneme run` uses, made durable here.
  private readonly index: ClassIndex<string>;

  private constructor(
    private readonly path: string,
    labels: readonly string[],
  ) {
    this.index = new ClassIndex(labels);
  }

  /**
   * Opens the table at `path`, or starts one from `start` (the declared labels, or a predecessor's
   * table). A saved or started table must begin with the declared labels.
   */
  static async open(path: string, declared: readonly string[], start: readonly string[] = declared): Promise<LabelTable> {
    const saved = await readFile(path, 'utf8').then(
      (text) => (JSON.parse(text) as { labels: string[] }).labels,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      },
    );
    const labels = saved ?? start;
    if (!declared.every((l, i) => labels[i] === l)) {
      throw new InvalidArgumentError(`the label table ${path} does not begin with the model's declared labels`);
    }
    return new LabelTable(path, labels);
  }

  /** Label names by class index. */
  get labels(): string[] {
    return this.index.labels();
  }

  get size(): number {
    return this.index.size;
  }

  has(label: string): boolean {
    return this.index.get(label) !== undefined;
  }

  /** The class of each label, adding unseen labels (in order of first appearance) durably first. */
  async assign(labels: readonly string[]): Promise<Int32Array> {
    const added = [...new Set(labels.filter((l) => !this.has(l)))];
    if (added.length > 0) {
      // Durable before it is used; the table changes only once the file has.
      await writeFileAtomic(this.path, JSON.stringify({ labels: [...this.labels, ...added] }));
      for (const label of added) this.index.add(label);
    }
    return Int32Array.from(labels, (l) => this.index.get(l)!);
  }
}
