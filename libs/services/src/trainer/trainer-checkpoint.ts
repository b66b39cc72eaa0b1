import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StrategyState } from '@mneme/methods';
import { loadStrategyState, saveStrategyState, writeFileAtomic } from '@mneme/model-store';
import type { LoopState } from '@mneme/streaming';

const POINTER = 'checkpoint.json';

/** A trainer's resumable state: the strategy and the loop's place in the log. */
export interface TrainerCheckpoint {
  readonly loop: LoopState;
  readonly strategy: StrategyState;
}

/**
 * Checkpoints of one model's trainer under `dir`: each is written to a fresh folder, then the
 * pointer file names it (atomically), then older folders are removed. A crash at any point leaves
 * the previous checkpoint or the new one, never a mix.
 */
export class TrainerCheckpoints {
  private sequence = 0;

  constructor(private readonly dir: string) {}

  /** The latest checkpoint, or undefined before the first. */
  async load(): Promise<TrainerCheckpoint | undefined> {
    let pointer: { sequence: number; loop: LoopState };
    try {
      pointer = JSON.parse(await readFile(join(this.dir, POINTER), 'utf8')) as { sequence: number; loop: LoopState };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    this.sequence = pointer.sequence;
    return { loop: pointer.loop, strategy: await loadStrategyState(this.folder(pointer.sequence)) };
  }

  /** Writes a checkpoint and makes it the latest. */
  async save(checkpoint: TrainerCheckpoint): Promise<void> {
    const sequence = this.sequence + 1;
    await saveStrategyState(this.folder(sequence), checkpoint.strategy);
    await writeFileAtomic(join(this.dir, POINTER), JSON.stringify({ sequence, loop: checkpoint.loop }));
    this.sequence = sequence;
    for (const name of await readdir(this.dir)) {
      if (/^\d+$/.test(name) && Number(name) < sequence) await rm(join(this.dir, name), { recursive: true, force: true });
    }
  }

  private folder(sequence: number): string {
    return join(this.dir, String(sequence));
  }
}
