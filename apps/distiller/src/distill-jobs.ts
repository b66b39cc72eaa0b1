import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobState, type DistillationJob } from '@mneme/contracts';
import { MnemeError } from '@mneme/errors';
import { writeFileAtomic } from '@mneme/model-store';

/** A job as persisted: the wire job plus the model it belongs to. */
export interface JobRecord {
  readonly modelId: string;
  /** The tenant that started the job; absent (jobs from before tenants) means the default tenant. */
  readonly tenant?: string;
  job: DistillationJob;
}

/** The work of a job: reports progress through `onStep`, resolves with the set version it wrote. */
export type JobWork = (onStep: (step: number, outerLoss: number) => void) => Promise<number>;

/** Thrown from a job's progress callback to end it when the service stops. */
class Stopping extends MnemeError {
  constructor() {
    super('aborted', 'the distiller stopped');
  }
}

/**
 * Distillation jobs run one at a time in the background (distillation saturates the CPU; two at
 * once would only slow both). Each state change is written to `<dir>/<job>.json` atomically;
 * progress (steps, latest outer loss) lives in memory between changes. Jobs that were queued or
 * running when the process died are marked FAILED on open, with the reason.
 */
export class DistillJobs {
  private chain: Promise<void> = Promise.resolve();
  private stopping = false;

  private constructor(
    private readonly dir: string,
    private readonly jobs: Map<string, JobRecord>,
  ) {}

  static async open(dir: string): Promise<DistillJobs> {
    const jobs = new Map<string, JobRecord>();
    let names: string[] = [];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const opened = new DistillJobs(dir, jobs);
    for (const name of names) {
      const record = JSON.parse(await readFile(join(dir, name), 'utf8')) as JobRecord;
      jobs.set(record.job.jobId, record);
      if (record.job.state === JobState.JOB_STATE_QUEUED || record.job.state === JobState.JOB_STATE_RUNNING) {
        await opened.update(record, {
          state: JobState.JOB_STATE_FAILED,
          error: 'interrupted by a restart of the distiller; start it again',
        });
      }
    }
    return opened;
  }

  get(jobId: string): JobRecord | undefined {
    return this.jobs.get(jobId);
  }

  /** Persists the job as QUEUED and runs `work` after the jobs before it. */
  async submit(record: JobRecord, work: JobWork): Promise<JobRecord> {
    this.jobs.set(record.job.jobId, record);
    await this.persist(record);
    this.chain = this.chain.then(() => this.run(record, work));
    return record;
  }

  /** Ends the running job at its next step and skips the queued ones (they fail on the next open). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.chain;
  }

  private async run(record: JobRecord, work: JobWork): Promise<void> {
    if (this.stopping) return;
    try {
      await this.update(record, { state: JobState.JOB_STATE_RUNNING });
      const version = await work((step, outerLoss) => {
        if (this.stopping) throw new Stopping();
        record.job = { ...record.job, stepsDone: step + 1, outerLoss };
      });
      await this.update(record, { state: JobState.JOB_STATE_SUCCEEDED, result: { experience: record.job.experience, version } });
    } catch (err) {
      // A stopped job stays RUNNING on disk, so the next open reports it as interrupted.
      if (err instanceof Stopping) return;
      await this.update(record, { state: JobState.JOB_STATE_FAILED, error: MnemeError.from(err).message }).catch(() => undefined);
    }
  }

  private async update(record: JobRecord, change: Partial<DistillationJob>): Promise<void> {
    record.job = { ...record.job, ...change };
    await this.persist(record);
  }

  private persist(record: JobRecord): Promise<void> {
    return writeFileAtomic(join(this.dir, `${record.job.jobId}.json`), JSON.stringify(record));
  }
}
