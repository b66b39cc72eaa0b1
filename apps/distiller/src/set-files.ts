import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { distilledSetFromBytes, distilledSetToBytes, type DistilledSet } from '@mneme/methods';
import { writeFileAtomic } from '@mneme/model-store';

const fileName = (version: number) => `v${String(version).padStart(8, '0')}.mnds`;
const SET_FILE = /^v(\d{8})\.mnds$/;

/** Where one synthetic set version is. */
export interface SetAddress {
  readonly modelId: string;
  readonly experience: number;
  readonly version: number;
}

/**
 * Synthetic sets as versioned artefacts in the libs/methods distilled-set format, one immutable
 * file per version: `<root>/<model>/<experience>/vNNNNNNNN.mnds`, written atomically.
 */
export class SetFiles {
  constructor(private readonly root: string) {}

  async save(modelId: string, set: DistilledSet): Promise<void> {
    await writeFileAtomic(join(this.root, modelId, String(set.experience), fileName(set.version)), distilledSetToBytes(set));
  }

  async load(address: SetAddress): Promise<DistilledSet> {
    return distilledSetFromBytes(
      new Uint8Array(await readFile(join(this.root, address.modelId, String(address.experience), fileName(address.version)))),
    );
  }

  /** Versions of one experience's set, ascending. */
  async versions(modelId: string, experience: number): Promise<number[]> {
    return (await list(join(this.root, modelId, String(experience))))
      .map((f) => SET_FILE.exec(f)?.[1])
      .filter((v) => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** Every set of a model. */
  async all(modelId: string): Promise<SetAddress[]> {
    const out: SetAddress[] = [];
    for (const dir of await list(join(this.root, modelId))) {
      if (!/^\d+$/.test(dir)) continue;
      for (const version of await this.versions(modelId, Number(dir))) out.push({ modelId, experience: Number(dir), version });
    }
    return out;
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
