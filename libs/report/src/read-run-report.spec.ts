import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { parseRunReport, readRunReport } from './read-run-report.js';
import { RUN_REPORT_SCHEMA } from './run-report.js';
import { syntheticReport } from './run-report.test-util.js';

/** A report as `mneme run` wrote it before the schema existed (the shape of results/*.json). */
const legacyRun = {
  benchmark: 'split-mnist',
  strategy: 'er',
  seeds: [0, 1],
  options: { memory: '200' },
  scenario: 'class-incremental',
  settings: { batchSize: 10 },
  acc: { mean: 0.7, std: 0.1, definition: 'ACC: ...' },
  bwt: { mean: -0.2, std: 0, definition: 'BWT: ...' },
  fwt: { mean: 0, std: 0, definition: 'FWT: ...' },
  forgetting: { mean: 0.2, std: 0, definition: 'F_k: ...' },
  matrix: [
    [
      [1, 0],
      [0.6, 0.9],
    ],
    [
      [0.9, 0],
      [0.7, 0.8],
    ],
  ],
  random_init: [
    [0, 0],
    [0, 0],
  ],
  seed_wall_s: [3, 4],
  strategy_description: [{ memorySize: 200 }, { choices: { l2: 0.01 } }],
  device: 'cpu',
  wall_s: 8,
  peak_rss_mb: 300,
};

/** A report as `mneme up` wrote it before the schema existed. */
const legacyUp = {
  command: 'mneme up',
  benchmark: 'split-mnist',
  strategy: 'mir',
  seed: 3,
  transport: 'in-process',
  modelId: 'split-mnist-mir-3',
  matrix: [
    [1, 0],
    [0.5, 0.95],
  ],
  randomInit: [0, 0],
  acc: 0.725,
  bwt: -0.5,
  fwt: 0,
  forgetting: 0.5,
  samples: 1000,
  seconds: 10,
  settings: {},
  options: {},
  samples_per_s: 100,
  services: { 'mneme.v1.TrainerService': { total: 3, methods: { Ingest: 3 }, outcomes: { ok: 3 } } },
};

const refused = (f: () => unknown, message: RegExp) => {
  expect(f).toThrow(InvalidArgumentError);
  expect(f).toThrow(message);
};

describe('parseRunReport', () => {
  it('reads version 1 as written', () => {
    const report = syntheticReport({ strategy: 'er', seeds: [0, 1] });
    expect(parseRunReport(JSON.parse(JSON.stringify(report)), 'r.json')).toEqual(report);
  });

  it("upgrades an older mneme run report, recomputing each seed's metrics from its matrix", () => {
    const r = parseRunReport(legacyRun, 'old.json');
    expect(r.schema).toBe(RUN_REPORT_SCHEMA);
    expect(r.command).toBe('mneme run');
    expect(r.seeds.map((s) => s.seed)).toEqual([0, 1]);
    expect(r.seeds[0]!.acc).toBeCloseTo(0.75, 12);
    expect(r.seeds[0]!.bwt).toBeCloseTo(-0.4, 12);
    expect(r.seeds[1]!.forgetting).toBeCloseTo(0.2, 12);
    expect(r.seeds[1]!.choices).toEqual({ l2: 0.01 });
    expect(r.seeds[0]!.wall_s).toBe(3);
    expect(r.summary.acc).toEqual({ mean: 0.7, std: 0.1, definition: 'ACC: ...' });
    expect(r.environment).toEqual({ transport: 'library', device: 'cpu', wall_s: 8, peak_rss_mb: 300 });
    expect(r.commit).toBeNull();
  });

  it('upgrades an older mneme up report (one seed, camelCase fields)', () => {
    const r = parseRunReport(legacyUp, 'up.json');
    expect(r.command).toBe('mneme up');
    expect(r.seeds).toHaveLength(1);
    expect(r.seeds[0]).toMatchObject({ seed: 3, acc: 0.725, forgetting: 0.5, random_init: [0, 0], wall_s: 10 });
    expect(r.summary.acc).toEqual({ mean: 0.725, std: 0 });
    expect(r.environment).toMatchObject({ transport: 'in-process', samples: 1000, samples_per_s: 100 });
    expect(r.services?.['mneme.v1.TrainerService']?.total).toBe(3);
  });

  it('keeps a metric that does not exist as null, not 0', () => {
    const r = parseRunReport({ ...legacyRun, seeds: [0], matrix: [[[0.9]]], random_init: [[0]], seed_wall_s: [1] }, 'one.json');
    expect(r.seeds[0]).toMatchObject({ acc: 0.9, bwt: null, fwt: null, forgetting: null });
  });

  it('refuses what is not a run report, naming the source and the field', () => {
    refused(() => parseRunReport([1, 2], 'a.json'), /a\.json: a run report is a JSON object, got an array/);
    refused(() => parseRunReport({ hello: 1 }, 'b.json'), /b\.json: not a run report/);
    refused(() => parseRunReport({ schema: 'mneme.run-report/9' }, 'c.json'), /c\.json: unknown report schema 'mneme\.run-report\/9'/);
    const report = JSON.parse(JSON.stringify(syntheticReport({ strategy: 'er', seeds: [0] })));
    refused(() => parseRunReport({ ...report, seeds: [] }, 'd.json'), /d\.json: \/seeds must NOT have fewer than 1 items/);
    refused(() => parseRunReport({ ...report, benchmark: 7 }, 'e.json'), /e\.json: \/benchmark must be string/);
    refused(
      () => parseRunReport({ ...legacyRun, seeds: [0] }, 'f.json'),
      /f\.json: .*'seeds' and 'matrix' must be arrays of the same length/,
    );
  });

  it('refuses reports whose parts disagree', () => {
    const report = JSON.parse(JSON.stringify(syntheticReport({ strategy: 'er', seeds: [0], experiences: 3 })));
    const ragged = structuredClone(report);
    ragged.seeds[0].matrix[1].pop();
    refused(() => parseRunReport(ragged, 'g.json'), /g\.json: seed 0: every matrix row must have 3 columns/);
    const unnamed = structuredClone(report);
    unnamed.class_names = ['only-one'];
    refused(() => parseRunReport(unnamed, 'h.json'), /h\.json: seed 0: class id 1 has no name/);
    const short = structuredClone(report);
    short.seeds[0].class_accuracy.pop();
    refused(() => parseRunReport(short, 'i.json'), /i\.json: seed 0: class_accuracy has 2 rows, the matrix 3/);
  });
});

describe('readRunReport', () => {
  it('names the file that cannot be read or is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mneme-report-'));
    refused(() => readRunReport(join(dir, 'missing.json')), /missing\.json: cannot read it \(ENOENT\)/);
    writeFileSync(join(dir, 'broken.json'), '{ "benchmark": ');
    refused(() => readRunReport(join(dir, 'broken.json')), /broken\.json: not JSON/);
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(legacyUp));
    expect(readRunReport(join(dir, 'ok.json')).strategy).toBe('mir');
  });
});
