import { benchmarkByName, runBenchmark, type BenchmarkSettings } from '@mneme/benchmarks';
import { createExecutor, Engine } from '@mneme/engine';
import { InvalidArgumentError } from '@mneme/errors';
import { strategyFactory } from '@mneme/methods';
import { vectorIndexFactory } from '@mneme/vector-index';
import { SingleBar } from 'cli-progress';
import { formatReport } from '../report/format-report.js';
import { namedFlagOptions } from '../strategy-flags.js';
import { cliEngineOptions } from './engine-options.js';
import { runLogsOf } from './run-logs.js';

/** Options of `mneme run`, as commander parses them. */
export interface RunCommandOptions {
  benchmark: string;
  strategy: string;
  seeds: string;
  firstSeed?: string;
  out?: string;
  /** Also write the HTML report beside `out`. */
  report?: boolean;
  lr?: string;
  epochs?: string;
  batchSize?: string;
  /** ONNX Runtime intra-op threads (`--threads`). */
  threads?: string;
  memory?: string;
  candidates?: string;
  topK?: string;
  budget?: string;
  acquisition?: string;
  set: string[];
  dataDir?: string;
  data?: string;
  experiences?: string;
  encoder?: string;
  quiet?: boolean;
  /** Score on the validation parts, not test (choosing settings). */
  tune?: boolean;
  /** Experiment loggers, comma-separated (`csv,tensorboard,jsonl`). */
  log?: string;
  /** Where the experiment logs go (a folder per seed inside). */
  logDir?: string;
}

/** A positive number from flag `--name` (undefined when not given). @throws InvalidArgumentError naming the flag */
export const positive = (name: string, value: string | undefined, integer = true): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new InvalidArgumentError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got '${value}'`);
  }
  return n;
};

/** Strategy options from the named flags and `--set key=value`. */
function strategyOptions(o: RunCommandOptions): Record<string, string> {
  const options = namedFlagOptions(o);
  for (const pair of o.set) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`--set expects key=value, got '${pair}'`);
    options[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return options;
}

/** `mneme run`: runs a benchmark with a strategy over seeds, prints and writes the results. */
export async function runCommand(o: RunCommandOptions): Promise<void> {
  const benchmark = benchmarkByName(o.benchmark);
  strategyFactory(o.strategy);
  if (o.report === true && o.out === undefined)
    throw new InvalidArgumentError('--report writes the HTML report beside the JSON report: add --out <file.json>');
  const logs = runLogsOf(o);
  const seedCount = positive('seeds', o.seeds) ?? 1;
  const settings: Partial<BenchmarkSettings> = {};
  const lr = positive('lr', o.lr, false);
  const epochs = positive('epochs', o.epochs);
  const batchSize = positive('batch-size', o.batchSize);
  if (lr !== undefined) Object.assign(settings, { learningRate: lr });
  if (epochs !== undefined) Object.assign(settings, { epochs, jointEpochs: epochs });
  if (batchSize !== undefined) Object.assign(settings, { batchSize });
  // Seeds first..first+n-1, so long runs can be split into one process per seed.
  const firstSeed = o.firstSeed === undefined ? 0 : Number(o.firstSeed);
  if (!Number.isInteger(firstSeed) || firstSeed < 0)
    throw new InvalidArgumentError(`--first-seed must be a non-negative integer, got '${o.firstSeed}'`);
  const engine = await Engine.create(cliEngineOptions(o.threads));
  const executor = createExecutor(engine);
  const seeds = [...Array(seedCount).keys()].map((k) => firstSeed + k);
  const started = performance.now();
  const bar = new SingleBar({
    format: `{seedLabel} |{bar}| {percentage}% · {value}/{total} batches · experience {experience}`,
    noTTYOutput: true,
    notTTYSchedule: 5000,
    stream: process.stderr,
    hideCursor: true,
  });
  let currentSeed = -1;
  const report = await runBenchmark({
    benchmark,
    strategy: o.strategy,
    seeds,
    executor,
    settings,
    options: strategyOptions(o),
    // Retrieval strategies get the native HNSW index (exact search while small); others ignore it.
    indexFactory: vectorIndexFactory(),
    ...(o.dataDir === undefined ? {} : { dataDir: o.dataDir }),
    ...(o.data === undefined ? {} : { textData: o.data }),
    ...(o.encoder === undefined ? {} : { encoderDir: o.encoder }),
    ...(o.experiences === undefined ? {} : { experiences: positive('experiences', o.experiences)! }),
    ...(o.tune === true ? { evaluateOn: 'validation' as const } : {}),
    ...(logs === undefined ? {} : { logger: logs.logger }),
    onProgress: (seed, event, total) => {
      if (o.quiet) return;
      if (seed !== currentSeed) {
        if (currentSeed >= 0) bar.stop();
        currentSeed = seed;
        bar.start(total, 0, { seedLabel: `seed ${seed} (${seed - firstSeed + 1}/${seedCount})`, experience: 0 });
      }
      if (event.kind === 'batch') bar.increment(1, { experience: event.experience });
    },
  }).finally(() => logs?.logger.close());
  if (!o.quiet) bar.stop();
  const wallS = (performance.now() - started) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(formatReport(report, { wallS, peakRssMb }));
  if (o.out !== undefined) {
    // Loaded here, not at start-up: the report's charting libraries would slow every command.
    const [{ runReportOfBenchmark }, { writeRunReport }] = await Promise.all([
      import('../report/run-report-of.js'),
      import('../report/write-run-report.js'),
    ]);
    const written = await writeRunReport(o.out, runReportOfBenchmark(report, { device: executor.device, wallS, peakRssMb }), {
      html: o.report === true,
    });
    console.log(`wrote ${[written.json, written.heatmap, ...(written.html === undefined ? [] : [written.html])].join(', ')}`);
  }
  if (logs !== undefined)
    console.log(
      `wrote experiment logs (${logs.names.join(', ')}) to ${logs.dir}, a folder per seed${logs.names.includes('tensorboard') ? ` (tensorboard --logdir ${logs.dir})` : ''}`,
    );
}
