import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@mneme/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { meanSeenAccuracy, type ExperimentLogger } from './experiment-logger.js';
import { createExperimentLogger, parseLoggerNames } from './loggers.js';
import { EVENT_FILE_VERSION } from './tensorboard-event.js';
import { EVENT_FILE_PREFIX, readEventFile, scalarsByTag } from './tensorboard-logger.js';

const dirs: string[] = [];
const scratch = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'mneme-logs-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A run of 2 experiences × 3 batches with a known matrix; a loss on every batch but the last of each experience. */
const MATRIX = [
  [0.9, 0.1],
  [0.4, 0.8],
];
const LOSSES = [2.5, 1.25, undefined, 0.75, 0.5, undefined];

function writeRun(logger: ExperimentLogger, seed: number): void {
  logger.runStart({ benchmark: 'toy', strategy: 'naive', seed, settings: { learningRate: 0.1, batchSize: 10 }, options: { memory: '5' } });
  let step = 0;
  for (let e = 0; e < 2; e++) {
    for (let b = 0; b < 3; b++) {
      const loss = LOSSES[step];
      step += 1;
      logger.step({ step, experience: e, batch: b, samples: 10, ...(loss === undefined ? {} : { loss }) });
    }
    logger.evaluation({ after: e, step, accuracy: MATRIX[e]!, meanSeenAccuracy: meanSeenAccuracy(MATRIX[e]!, e) });
  }
  logger.runEnd({ step, acc: 0.6, bwt: -0.5, fwt: Number.NaN, forgetting: 0.5, wallS: 1.5 });
}

const parseCsv = (path: string): string[][] =>
  readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => line.split(','));

describe('experiment loggers', () => {
  it('write CSV, JSON lines and TensorBoard event files in a folder per run (seed), and they read back', () => {
    const dir = scratch();
    const logger = createExperimentLogger(['csv', 'tensorboard', 'jsonl'], dir);
    writeRun(logger, 0);
    writeRun(logger, 1);
    logger.close();
    expect(readdirSync(dir).sort()).toEqual(['seed-0', 'seed-1']);
    const run = join(dir, 'seed-1');

    // CSV: fixed headers, empty loss where the strategy reported none, NaN spelled out.
    const steps = parseCsv(join(run, 'steps.csv'));
    expect(steps[0]).toEqual(['step', 'experience', 'batch', 'samples', 'loss', 'wall_time']);
    expect(steps.slice(1).map((r) => r.slice(0, 5))).toEqual([
      ['1', '0', '0', '10', '2.5'],
      ['2', '0', '1', '10', '1.25'],
      ['3', '0', '2', '10', ''],
      ['4', '1', '0', '10', '0.75'],
      ['5', '1', '1', '10', '0.5'],
      ['6', '1', '2', '10', ''],
    ]);
    expect(Number(steps[1]![5])).toBeGreaterThan(1.7e9);
    expect(parseCsv(join(run, 'evaluations.csv'))).toEqual([
      ['after', 'step', 'mean_seen_accuracy', 'exp_0', 'exp_1'],
      ['0', '3', '0.9', '0.9', '0.1'],
      ['1', '6', String((0.4 + 0.8) / 2), '0.4', '0.8'],
    ]);
    expect(parseCsv(join(run, 'summary.csv'))).toEqual([
      ['benchmark', 'strategy', 'seed', 'acc', 'bwt', 'fwt', 'forgetting', 'wall_s', 'steps'],
      ['toy', 'naive', '1', '0.6', '-0.5', 'NaN', '0.5', '1.5', '6'],
    ]);

    // JSON lines: one object per event, each with a type.
    const lines = readFileSync(join(run, 'events.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['type'])).toEqual([
      'run_start',
      'step',
      'step',
      'step',
      'evaluation',
      'step',
      'step',
      'step',
      'evaluation',
      'run_end',
    ]);
    expect(lines[0]).toMatchObject({
      benchmark: 'toy',
      strategy: 'naive',
      seed: 1,
      settings: { learningRate: 0.1 },
      options: { memory: '5' },
    });
    expect(lines[1]).toMatchObject({ step: 1, experience: 0, batch: 0, samples: 10, loss: 2.5 });
    expect(lines[3]).not.toHaveProperty('loss');
    expect(lines[8]).toMatchObject({ after: 1, step: 6, accuracy: [0.4, 0.8], mean_seen_accuracy: (0.4 + 0.8) / 2 });
    expect(lines[9]).toMatchObject({ acc: 0.6, bwt: -0.5, fwt: null, forgetting: 0.5, wall_s: 1.5 });
    for (const l of lines) expect(typeof l['wall_time']).toBe('number');

    // TensorBoard: one event file per run; both CRCs of every record are checked while reading.
    const files = readdirSync(run).filter((f) => f.startsWith(EVENT_FILE_PREFIX));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^events\.out\.tfevents\.\d{10}\.\S+$/);
    const events = readEventFile(join(run, files[0]!));
    expect(events[0]).toMatchObject({ step: 0, fileVersion: EVENT_FILE_VERSION });
    expect(events[0]!.wallTime).toBeGreaterThan(1.7e9);
    const scalars = scalarsByTag(events);
    expect(scalars.get('train/loss')).toEqual([
      { step: 1, value: 2.5 },
      { step: 2, value: 1.25 },
      { step: 4, value: 0.75 },
      { step: 5, value: 0.5 },
    ]);
    expect(scalars.get('eval/accuracy/exp_0')?.map((p) => [p.step, p.value])).toEqual([
      [3, Math.fround(0.9)],
      [6, Math.fround(0.4)],
    ]);
    expect(scalars.get('eval/accuracy/exp_1')?.map((p) => p.value)).toEqual([Math.fround(0.1), Math.fround(0.8)]);
    expect(scalars.get('eval/ACC')?.map((p) => p.value)).toEqual([Math.fround(0.9), Math.fround((0.4 + 0.8) / 2)]);
    expect(scalars.get('eval/BWT')).toEqual([{ step: 6, value: -0.5 }]);
    expect(scalars.get('eval/forgetting')).toEqual([{ step: 6, value: 0.5 }]);
    expect(scalars.get('run/wall_s')).toEqual([{ step: 6, value: 1.5 }]);
    // FWT is undefined here (NaN): nothing to plot, so nothing is written.
    expect(scalars.has('eval/FWT')).toBe(false);
  });

  it('a run written again into the same folder replaces its files (one event file, not two merged)', async () => {
    const dir = scratch();
    const first = createExperimentLogger(['tensorboard', 'csv'], dir);
    writeRun(first, 0);
    first.close();
    // Event file names carry the time in seconds: the second file must get a new name.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = createExperimentLogger(['tensorboard', 'csv'], dir);
    writeRun(second, 0);
    second.close();
    const files = readdirSync(join(dir, 'seed-0'));
    expect(files.filter((f) => f.startsWith(EVENT_FILE_PREFIX))).toHaveLength(1);
    expect(parseCsv(join(dir, 'seed-0', 'steps.csv'))).toHaveLength(7);
  });

  it('only the chosen loggers write', () => {
    const dir = scratch();
    const logger = createExperimentLogger(['jsonl'], dir);
    writeRun(logger, 3);
    logger.close();
    expect(readdirSync(join(dir, 'seed-3'))).toEqual(['events.jsonl']);
  });

  it('refuses unknown or empty logger names, listing the accepted ones, before anything is written', () => {
    expect(parseLoggerNames('csv, tensorboard,csv')).toEqual(['csv', 'tensorboard']);
    expect(() => parseLoggerNames('csv,wandb')).toThrow(InvalidArgumentError);
    expect(() => parseLoggerNames('csv,wandb')).toThrow(
      "unknown logger 'wandb' in --log 'csv,wandb'; accepted loggers: csv, tensorboard, jsonl",
    );
    expect(() => parseLoggerNames('csv,')).toThrow(/empty logger name; accepted loggers: csv, tensorboard, jsonl/);
    const dir = join(scratch(), 'logs');
    expect(() => createExperimentLogger(['csv', 'mlflow'], dir)).toThrow(/unknown logger 'mlflow'/);
    expect(existsSync(dir)).toBe(false);
  });

  it('the mean seen accuracy averages a[i][0..i]', () => {
    expect(meanSeenAccuracy([0.5, 1, 0.25], 1)).toBe(0.75);
    expect(meanSeenAccuracy([0.5, 1, 0.25], 0)).toBe(0.5);
  });
});
