import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MnemeError } from '@mneme/errors';
import { AppendFile } from './append-file.js';
import { createRunFolder } from './run-folder.js';
import { type EvaluationRecord, type ExperimentLogger, type RunEnd, type RunStart, type StepRecord } from './experiment-logger.js';
import { decodeEvent, encodeEvent, EVENT_FILE_VERSION, type ScalarValue, type TensorBoardEvent } from './tensorboard-event.js';
import { readTfRecords, tfRecord } from './tfrecord.js';

/** The prefix of TensorBoard event file names (`events.out.tfevents.<seconds>.<host>`). */
export const EVENT_FILE_PREFIX = 'events.out.tfevents.';

/** The scalar tags the logger writes. */
export const TENSORBOARD_TAGS = Object.freeze({
  loss: 'train/loss',
  accuracy: (experience: number) => `eval/accuracy/exp_${experience}`,
  acc: 'eval/ACC',
  bwt: 'eval/BWT',
  fwt: 'eval/FWT',
  forgetting: 'eval/forgetting',
  wallS: 'run/wall_s',
});

/**
 * TensorBoard event files, one per run in the run's folder (`tensorboard --logdir <log dir>` shows
 * each seed as a run): `train/loss` per step, and per evaluation `eval/accuracy/exp_<j>` for every
 * experience and `eval/ACC` (mean accuracy over the experiences seen); at the end `eval/BWT`,
 * `eval/FWT`, `eval/forgetting` (left out when undefined, e.g. for one experience) and `run/wall_s`.
 * Every scalar's step is the number of batches learned so far.
 */
export class TensorBoardLogger implements ExperimentLogger {
  private file: AppendFile | undefined;

  constructor(private readonly dir: string) {}

  runStart(run: RunStart): void {
    this.close();
    const folder = createRunFolder(this.dir, run);
    // A rerun into the same folder replaces its event files: TensorBoard would merge them into one run.
    for (const name of readdirSync(folder)) if (name.startsWith(EVENT_FILE_PREFIX)) rmSync(join(folder, name));
    this.file = new AppendFile(join(folder, `${EVENT_FILE_PREFIX}${Math.floor(Date.now() / 1000)}.${hostname()}`));
    this.event({ step: 0, fileVersion: EVENT_FILE_VERSION });
    this.file.flush();
  }

  step(record: StepRecord): void {
    if (record.loss !== undefined) this.scalars(record.step, [{ tag: TENSORBOARD_TAGS.loss, value: record.loss }]);
  }

  evaluation(record: EvaluationRecord): void {
    this.scalars(record.step, [
      ...record.accuracy.map((value, j) => ({ tag: TENSORBOARD_TAGS.accuracy(j), value })),
      { tag: TENSORBOARD_TAGS.acc, value: record.meanSeenAccuracy },
    ]);
    this.file?.flush();
  }

  runEnd(summary: RunEnd): void {
    const values = [
      { tag: TENSORBOARD_TAGS.bwt, value: summary.bwt },
      { tag: TENSORBOARD_TAGS.fwt, value: summary.fwt },
      { tag: TENSORBOARD_TAGS.forgetting, value: summary.forgetting },
      { tag: TENSORBOARD_TAGS.wallS, value: summary.wallS },
    ].filter((v) => Number.isFinite(v.value));
    this.scalars(summary.step, values);
    this.close();
  }

  close(): void {
    this.file?.close();
    this.file = undefined;
  }

  private scalars(step: number, scalars: readonly ScalarValue[]): void {
    if (scalars.length > 0) this.event({ step, scalars });
  }

  private event(event: Omit<TensorBoardEvent, 'wallTime'>): void {
    if (this.file === undefined) throw new MnemeError('internal', 'TensorBoardLogger: no run started (call runStart first)');
    this.file.write(tfRecord(encodeEvent({ wallTime: Date.now() / 1000, ...event })));
  }
}

/**
 * The events of a TensorBoard event file, each record's two CRCs checked.
 *
 * @throws Error naming the record of a truncated record or a CRC mismatch
 */
export function readEventFile(path: string): TensorBoardEvent[] {
  return readTfRecords(readFileSync(path)).map(decodeEvent);
}

/** The scalars of events by tag, each as (step, value) points in file order. */
export function scalarsByTag(events: readonly TensorBoardEvent[]): Map<string, { step: number; value: number }[]> {
  const byTag = new Map<string, { step: number; value: number }[]>();
  for (const e of events) {
    for (const s of e.scalars ?? []) {
      const points = byTag.get(s.tag) ?? [];
      points.push({ step: e.step, value: s.value });
      byTag.set(s.tag, points);
    }
  }
  return byTag;
}
