import { basename, join, resolve } from 'node:path';
import { benchmarkByName, DEFAULT_ENCODER, type BenchmarkSettings } from '@mneme/benchmarks';
import { createExecutor, Engine } from '@mneme/engine';
import { InvalidArgumentError } from '@mneme/errors';
import { InProcessBus, KafkaBus, type EventBus } from '@mneme/events';
import { strategyFactory } from '@mneme/methods';
import { processLogger } from '@mneme/rpc';
import { limitsFromEnv, requestCounts } from '@mneme/service-runtime';
import { SERVICE_FACTORIES, startStack, streamBenchmark, type StreamBenchmarkResult } from '@mneme/stack';
import { strategyDefaultsLines } from '../report/format-report.js';
import { namedFlagOptions, UP_STRATEGY_FLAGS } from '../strategy-flags.js';
import { cliEngineOptions } from './engine-options.js';
import { positive } from './run.js';
import { upAuth, type UpAuthOptions } from './up-auth.js';
import { upSecurity, type SecurityFlags } from './up-security.js';

/** Options of `mneme up`, as commander parses them. */
export interface UpCommandOptions extends SecurityFlags, UpAuthOptions {
  kafka?: string;
  /** Address the gRPC server binds. */
  host: string;
  port: string;
  metricsPort?: string;
  dataDir?: string;
  modelsDir: string;
  /** Benchmark streamed through the services; absent: split-mnist, or with --serve none (serve only). */
  benchmark?: string;
  /** Text benchmark: folder of .jsonl/.csv files, and its number of experiences. */
  data?: string;
  experiences?: string;
  epochs?: string;
  batchSize?: string;
  /** ONNX Runtime intra-op threads (`--threads`). */
  threads?: string;
  strategy: string;
  seed: string;
  memory?: string;
  set: string[];
  out?: string;
  /** Also write the HTML report beside `out`. */
  report?: boolean;
  serve?: boolean;
  services?: string;
  logLevel: string;
}

const port = (name: string, value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`--${name} must be a port number (0-65535), got '${value}'`);
  return n;
};

/**
 * `mneme up`: every service in one process on one gRPC port, over the in-process bus (or Kafka
 * with --kafka). It then streams a benchmark through the services (split-mnist unless named), as a
 * client would, prints and writes the accuracy matrix, and stops — or keeps serving with --serve,
 * which streams nothing unless --benchmark is given.
 */
export async function upCommand(o: UpCommandOptions): Promise<void> {
  const benchmark = o.benchmark ?? (o.serve === true ? undefined : DEFAULT_BENCHMARK);
  if (o.report === true && o.out === undefined)
    throw new InvalidArgumentError('--report writes the HTML report beside the JSON report: add --out <file.json>');
  if (benchmark === undefined && o.out !== undefined)
    throw new InvalidArgumentError(
      '--out writes a benchmark report, and --serve alone streams none: add --benchmark <name> (e.g. split-mnist)',
    );
  if (benchmark !== undefined) benchmarkByName(benchmark);
  strategyFactory(o.strategy);
  const seed = Number(o.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new InvalidArgumentError(`--seed must be a non-negative integer, got '${o.seed}'`);
  const services = o.services === undefined ? Object.keys(SERVICE_FACTORIES) : o.services.split(',').map((s) => s.trim());
  const unknown = services.filter((s) => !(s in SERVICE_FACTORIES));
  if (unknown.length > 0)
    throw new InvalidArgumentError(`--services: unknown ${unknown.join(', ')}; services: ${Object.keys(SERVICE_FACTORIES).join(', ')}`);
  const options = namedFlagOptions(o, UP_STRATEGY_FLAGS);
  for (const pair of o.set) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`--set expects key=value, got '${pair}'`);
    options[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const settings: Partial<BenchmarkSettings> = {};
  const epochs = positive('epochs', o.epochs);
  const batchSize = positive('batch-size', o.batchSize);
  if (epochs !== undefined) Object.assign(settings, { epochs, jointEpochs: epochs });
  if (batchSize !== undefined) Object.assign(settings, { batchSize });
  const experiences = positive('experiences', o.experiences);
  const security = upSecurity(o);
  // A fresh folder per run unless one is given, so a run never resumes an older run's models.
  const dataDir = resolve(o.dataDir ?? join('.mneme', 'runs', new Date().toISOString().replace(/[:.]/g, '-')));
  const auth = upAuth(o);
  const logger = processLogger('mneme-up', o.logLevel as 'debug' | 'info' | 'warn' | 'error');
  const brokers = (o.kafka ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const bus: EventBus = brokers.length > 0 ? new KafkaBus({ brokers, clientId: 'mneme-up', security: security.kafka }) : new InProcessBus();
  if (bus instanceof KafkaBus) await bus.ensureTopics();
  const engine = await Engine.create(cliEngineOptions(o.threads));
  const executor = createExecutor(engine);
  const stack = await startStack({
    services,
    dataDir,
    modelsDir: resolve(o.modelsDir),
    bus,
    executor,
    logger,
    host: o.host,
    // The same MNEME_MAX_* limits a service process reads.
    limits: limitsFromEnv(),
    port: port('port', o.port),
    tls: security.tls.server,
    peerTls: security.tls.client,
    allowInsecure: security.insecure,
    access: auth.access,
    ...(auth.serviceToken === undefined ? {} : { serviceToken: auth.serviceToken }),
    ...(o.metricsPort === undefined ? {} : { metricsPort: port('metrics-port', o.metricsPort) }),
  });
  const stop = async () => {
    await stack.stop();
    await bus.close();
    await engine.dispose();
  };
  const transport = security.tls.server === undefined ? 'plaintext' : security.tls.server.clientCa === undefined ? 'TLS' : 'mTLS';
  console.error(
    `mneme up: ${services.join(', ')} on ${stack.address} (${transport}) over ${brokers.length > 0 ? `Kafka at ${brokers.join(',')}` : 'the in-process bus'}; state in ${dataDir}; ${auth.access.open ? 'auth OFF (any caller may call anything)' : 'bearer tokens required'}`,
  );
  try {
    if (benchmark !== undefined)
      await streamAndReport({ ...o, benchmark }, { settings, experiences, options, seed, stack, auth, executor, brokers });
  } catch (err) {
    await stop();
    throw err;
  }
  if (!o.serve) {
    await stop();
    return;
  }
  console.error(`serving on ${stack.address} until SIGTERM or SIGINT`);
  await new Promise<void>((done) => {
    const onSignal = () => void stop().then(done, done);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}

/** What {@link streamAndReport} needs from the started stack. */
interface StreamContext {
  readonly settings: Partial<BenchmarkSettings>;
  readonly experiences: number | undefined;
  readonly options: Record<string, string>;
  readonly seed: number;
  readonly stack: Awaited<ReturnType<typeof startStack>>;
  readonly auth: ReturnType<typeof upAuth>;
  readonly executor: ReturnType<typeof createExecutor>;
  readonly brokers: readonly string[];
}

/** Streams the benchmark through the running stack as a client would, prints and writes the report. */
async function streamAndReport(o: UpCommandOptions & { benchmark: string }, c: StreamContext): Promise<void> {
  const { settings, experiences, options, seed, stack, auth, executor, brokers } = c;
  const result = await streamBenchmark({
    benchmark: o.benchmark,
    settings,
    // Text benchmarks embed with the encoder the services load from --models-dir.
    encoderDir: join(resolve(o.modelsDir), basename(DEFAULT_ENCODER)),
    ...(o.data === undefined ? {} : { textData: o.data }),
    ...(experiences === undefined ? {} : { experiences }),
    strategy: o.strategy,
    options,
    seed,
    trainerAddress: stack.localAddress,
    tls: stack.clientTls,
    ...(auth.clientToken === undefined ? {} : { token: auth.clientToken }),
    executor,
    modelId: `${o.benchmark}-${o.strategy}-${seed}`,
    onProgress: (e) => {
      if (e.kind === 'closed') console.error(`  experience ${e.experience} ingested and closed`);
      if (e.kind === 'evaluated' && e.rows > 0) console.error(`  evaluated ${e.rows}/${e.of} versions`);
    },
  });
  console.log(formatStackReport(o, result));
  if (o.out !== undefined) {
    // Loaded here, not at start-up: the report's charting libraries would slow every command.
    const [{ runReportOfStream }, { writeRunReport }] = await Promise.all([
      import('../report/run-report-of.js'),
      import('../report/write-run-report.js'),
    ]);
    const report = runReportOfStream(
      { benchmark: o.benchmark, strategy: o.strategy, seed, transport: brokers.length > 0 ? 'kafka' : 'in-process' },
      result,
      // gRPC calls each service answered during the run (from the services' metrics registry).
      { device: executor.device, peakRssMb: process.resourceUsage().maxRSS / 1024, services: await requestCounts(stack.metrics) },
    );
    const written = await writeRunReport(o.out, report, { html: o.report === true });
    console.log(`wrote ${[written.json, written.heatmap, ...(written.html === undefined ? [] : [written.html])].join(', ')}`);
  }
}

/** What `mneme up` streams when no --benchmark is given (and --serve is not). */
const DEFAULT_BENCHMARK = 'split-mnist';

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1).padStart(5) : '  n/a');

function formatStackReport(o: UpCommandOptions & { benchmark: string }, r: StreamBenchmarkResult): string {
  return [
    `${o.benchmark} · ${o.strategy} · streamed through the services · seed ${o.seed}`,
    '',
    'accuracy matrix a[i][j] (%): test accuracy on experience j after training through i',
    `after \\ on ${r.matrix[0]!.map((_, j) => `e${j}`.padStart(5)).join(' ')}`,
    ...r.matrix.map((row, i) => `${`e${i}`.padStart(10)} ${row.map(pct).join(' ')}`),
    '',
    `ACC ${pct(r.acc)} %   BWT ${pct(r.bwt)} %   FWT ${pct(r.fwt)} %   forgetting ${pct(r.forgetting)} %`,
    `${r.samples} samples trained and evaluated in ${r.seconds.toFixed(1)} s (${(r.samples / r.seconds).toFixed(0)} samples/s end to end)`,
    ...strategyDefaultsLines(o.benchmark, r.strategyDefaults),
  ].join('\n');
}
