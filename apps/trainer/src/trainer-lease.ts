import { randomBytes } from 'node:crypto';
import { access, link, mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MnemeError } from '@mneme/errors';
import { SampleLog, segmentPath, syncDir, writeFileAtomic, type SealedSegment } from '@mneme/model-store';

/** One owner epoch of a model's trainer state, as its claim file records it. */
export interface EpochClaim {
  /** 1, 2, ...: each takeover claims the next number. */
  readonly epoch: number;
  /** The trainer process (replica) that claimed it. */
  readonly replica: string;
  readonly claimedAt: number;
  /** Every earlier epoch's log segment, with the records this owner continues from. */
  readonly sealed: readonly SealedSegment[];
}

/** Raised when another replica took the model over: the old owner must stop writing its state. */
export class FencedError extends MnemeError {
  constructor(modelId: string, epoch: number) {
    super('aborted', `model '${modelId}': epoch ${epoch} was fenced, another trainer replica took the model over`);
  }
}

/** Folders of one model's trainer state (`<store>/<model>/trainer`). */
export const trainerPaths = (dir: string) => ({
  epochs: join(dir, 'epochs'),
  log: join(dir, 'log'),
  checkpoints: (epoch: number) => join(dir, 'checkpoints', String(epoch)),
  labels: (epoch: number) => join(dir, 'labels', `${epoch}.json`),
  claim: (epoch: number) => join(dir, 'epochs', `${epoch}.json`),
  released: (epoch: number) => join(dir, 'epochs', `${epoch}.released`),
});

/**
 * Who may write a model's trainer state: the owner of its newest epoch. Epochs are claimed one
 * after the other by creating `epochs/<n>.json` exclusively (a hard link of a complete file: atomic
 * on local and network filesystems), so two replicas never hold the same epoch. A claim seals the
 * previous epoch's log segment at the records it holds then, and every write of an owner is
 * preceded by a check that no later epoch exists. An old owner that missed its revocation can
 * therefore still finish one write, but only into its own segment and checkpoint folder, past what
 * its successor reads: the model's state stays the one an uninterrupted trainer would have.
 */
export class ModelLease {
  private constructor(
    readonly modelId: string,
    readonly dir: string,
    readonly claim: EpochClaim,
  ) {}

  /**
   * Claims the next epoch of the model whose trainer state is in `dir`. Before sealing the
   * previous owner's segment it awaits `handoff(previous)` (the service waits there for a live
   * owner to release). Retries when another replica claims the same number first.
   */
  static async acquire(
    modelId: string,
    dir: string,
    replica: string,
    handoff: (previous: EpochClaim) => Promise<void>,
  ): Promise<ModelLease> {
    const paths = trainerPaths(dir);
    await mkdir(paths.epochs, { recursive: true });
    for (let attempt = 0; attempt < 10; attempt++) {
      const previous = await ModelLease.latest(dir);
      if (previous !== undefined) await handoff(previous);
      const sealed =
        previous === undefined
          ? []
          : [...previous.sealed, { epoch: previous.epoch, records: await SampleLog.count(segmentPath(paths.log, previous.epoch)) }];
      const claim: EpochClaim = { epoch: (previous?.epoch ?? 0) + 1, replica, claimedAt: Date.now(), sealed };
      if (await createExclusive(paths.claim(claim.epoch), JSON.stringify(claim, null, 2))) return new ModelLease(modelId, dir, claim);
    }
    throw new MnemeError('aborted', `model '${modelId}': could not claim an epoch, other replicas kept claiming it first`);
  }

  /** The newest claim, or undefined before the first. */
  static async latest(dir: string): Promise<EpochClaim | undefined> {
    const names = await readdir(trainerPaths(dir).epochs).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    const epochs = names.filter((n) => /^\d+\.json$/.test(n)).map((n) => Number.parseInt(n, 10));
    if (epochs.length === 0) return undefined;
    return JSON.parse(await readFile(trainerPaths(dir).claim(Math.max(...epochs)), 'utf8')) as EpochClaim;
  }

  /** Whether the owner of `epoch` released the model (closed it after a last checkpoint). */
  static isReleased(dir: string, epoch: number): Promise<boolean> {
    return exists(trainerPaths(dir).released(epoch));
  }

  /** Whether this lease is still the newest epoch. */
  async isCurrent(): Promise<boolean> {
    return !(await exists(trainerPaths(this.dir).claim(this.claim.epoch + 1)));
  }

  /** Throws {@link FencedError} once a later epoch exists: call before every write of the model's state. */
  async check(): Promise<void> {
    if (!(await this.isCurrent())) throw new FencedError(this.modelId, this.claim.epoch);
  }

  /** Tells the next owner it may take over now: this owner wrote its last state. */
  async release(): Promise<void> {
    if (await this.isCurrent())
      await writeFileAtomic(trainerPaths(this.dir).released(this.claim.epoch), JSON.stringify({ releasedAt: Date.now() }));
  }
}

/**
 * A trainer process's heartbeat in the shared store (`<dir>/<replica>.json`, rewritten every
 * period), so that a replica taking a model over can tell a live previous owner (wait for its
 * release) from a dead one (take over at once). Liveness only decides how long to wait, never who
 * may write: that is the epochs' job, so clock skew between nodes costs time, not correctness.
 */
export class ReplicaHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly periodMs: number,
  ) {}

  /** Writes the first beat and keeps beating every `periodMs`. */
  static async start(dir: string, replica: string, periodMs: number): Promise<ReplicaHeartbeat> {
    const heartbeat = new ReplicaHeartbeat(join(dir, `${replica}.json`), periodMs);
    await heartbeat.beat();
    heartbeat.timer = setInterval(() => {
      heartbeat.beating = heartbeat.beating.then(() => heartbeat.beat()).catch(() => undefined);
    }, periodMs);
    heartbeat.timer.unref();
    return heartbeat;
  }

  /** Whether `replica` beat within `staleMs`. */
  static async alive(dir: string, replica: string, staleMs: number): Promise<boolean> {
    try {
      const { at } = JSON.parse(await readFile(join(dir, `${replica}.json`), 'utf8')) as { at: number };
      return Date.now() - at < staleMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** Stops beating and removes the file: the replica is gone. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await rm(this.path, { force: true });
  }

  private beat(): Promise<void> {
    return writeFileAtomic(this.path, JSON.stringify({ at: Date.now(), periodMs: this.periodMs }));
  }
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Creates `path` with `data` unless it exists: a complete temporary file is hard-linked to it. */
async function createExclusive(path: string, data: string): Promise<boolean> {
  const dir = dirname(path);
  const temp = join(dir, `.claim.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(temp, { force: true });
    await syncDir(dir);
  }
}
