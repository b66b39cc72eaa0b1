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

/** What the pointer of a checkpoint folder says: the latest checkpoint's number and loop state. */
export interface CheckpointPointer {
  readonly sequence: number;
  readonly loop: LoopState;
}

/**
 * Checkpoints of one model's trainer under `dir` (one folder per owner epoch): each is written to
 * a fresh folder, then the pointer file names it (atomically), then older folders are removed. A
 * crash at any point leaves the previous checkpoint or the new one, never a mix.
 */
export class TrainerCheckpoints {
  private sequence = 0;

  constructor(readonly dir: string) {}

  /** The pointer of the checkpoints in `dir`, or undefined before the first. */
  static async pointer(dir: string): Promise<CheckpointPointer | undefined> {
    try {
      return JSON.parse(await readFile(join(dir, POINTER), 'utf8')) as CheckpointPointer;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** The strategy state of checkpoint `sequence` in `dir`. */
  static strategyAt(dir: string, sequence: number): Promise<StrategyState> {
    return loadStrategyState(join(dir, String(sequence)));
  }

  /** Writes a checkpoint and makes it the latest. */
  async save(checkpoint: TrainerCheckpoint): Promise<void> {
    const sequence = this.sequence + 1;
    await saveStrategyState(join(this.dir, String(sequence)), checkpoint.strategy);
    await writeFileAtomic(join(this.dir, POINTER), JSON.stringify({ sequence, loop: checkpoint.loop } satisfies CheckpointPointer));
    this.sequence = sequence;
    for (const name of await readdir(this.dir)) {
      if (/^\d+$/.test(name) && Number(name) < sequence) await rm(join(this.dir, name), { recursive: true, force: true });
    }
  }
}
