import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RegisterHeldOutRequest, type EvaluationSample } from '@mneme/contracts';
import { writeFileAtomic } from '@mneme/model-store';

/**
 * Held-out samples of each experience of one model, durable under `dir`: each registration is one
 * file `<experience>-<n>.pb` holding the encoded request, written atomically.
 */
export class HeldOutSets {
  /** Label names of every set, read once and kept up to date by {@link add}. */
  private labelNames: Set<string> | undefined;

  constructor(private readonly dir: string) {}

  /** Every label named by any held-out sample of the model. */
  async labels(): Promise<ReadonlySet<string>> {
    if (this.labelNames === undefined) {
      const names = new Set<string>();
      for (const e of await this.experiences()) for (const s of await this.samples(e)) names.add(s.sample?.label ?? '');
      this.labelNames = names;
    }
    return this.labelNames;
  }

  /** Adds samples to an experience's held-out set; returns the set's new size. */
  async add(experience: number, samples: readonly EvaluationSample[]): Promise<number> {
    const files = await this.files();
    const n = files.filter((f) => f.experience === experience).length;
    const bytes = RegisterHeldOutRequest.encode({
      experience: { modelId: '', experienceIndex: experience },
      samples: [...samples],
    }).finish();
    await writeFileAtomic(join(this.dir, `${experience}-${n}.pb`), bytes);
    if (this.labelNames !== undefined) for (const s of samples) this.labelNames.add(s.sample?.label ?? '');
    return (await this.samples(experience)).length;
  }

  /** Experiences with a held-out set, ascending. */
  async experiences(): Promise<number[]> {
    return [...new Set((await this.files()).map((f) => f.experience))].sort((a, b) => a - b);
  }

  /** Every held-out sample of an experience, in registration order. */
  async samples(experience: number): Promise<EvaluationSample[]> {
    const out: EvaluationSample[] = [];
    const files = (await this.files()).filter((f) => f.experience === experience).sort((a, b) => a.n - b.n);
    for (const f of files) {
      out.push(...RegisterHeldOutRequest.decode(await readFile(join(this.dir, f.name))).samples);
    }
    return out;
  }

  private async files(): Promise<{ name: string; experience: number; n: number }[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.flatMap((name) => {
      const m = /^(\d+)-(\d+)\.pb$/.exec(name);
      return m === null ? [] : [{ name, experience: Number(m[1]), n: Number(m[2]) }];
    });
  }
}
