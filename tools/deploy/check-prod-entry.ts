// Checks the container images' entry point where no container engine runs: builds the production
// tree the way deploy/docker/Dockerfile.cpu's builder stage does, in a temporary copy of the
// repository's tracked files outside the repository (npm ci, `npm run build:images`,
// tools/build/prune-production.sh, `mneme import-model` from the bundle on a model store copied from
// this clone's .mneme/models, so that nothing is downloaded again),
// then starts every service as the image does (Dockerfile.cpu's ENTRYPOINT: `node ...
// dist/apps/cli/bin/mneme.mjs serve <name>`, NODE_ENV=production, MNEME_DEVICE=cpu, its own data directory and the model store) and measures
// the time from spawn to SERVING on grpc.health.v1, asked on the plaintext health port for the whole
// server ('', what the start-up probe asks) and for the service's name (what the readiness probe of
// deploy/kustomize/base asks), and to /metrics answering (it opens once every module has started).
// Each service must get there within 10 s and exit 0 on SIGTERM; otherwise the check fails with its
// output.
//
// Services bind 127.0.0.1 on free ports and use the in-process bus; with MNEME_KAFKA_BROKERS set
// they use those brokers instead (under a topic prefix of their own).
//
// Where a container engine answers (`docker info`), the CPU image itself is built from the same copy
// and each service is started in it instead (`--no-docker` forces the pruned tree, `--docker`
// requires the engine).
//
// Usage: npm run check:prod-entry -- [--services a,b] [--keep] [--docker | --no-docker]
import { execFileSync, spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { healthClient } from '@mneme/rpc';

const ROOT = resolve(import.meta.dirname, '../..');
const SERVICES = ['encoder', 'prompt-pool', 'replay-memory', 'distiller', 'evaluator', 'trainer'];
/** The issue's bound on start-up to SERVING, and how long past it a service is waited for to report how late it was. */
const LIMIT_MS = 10_000;
const GIVE_UP_MS = 30_000;
const IMAGE = 'mneme:prod-entry-check';

const { values: args } = parseArgs({
  options: {
    services: { type: 'string' },
    keep: { type: 'boolean', default: false },
    docker: { type: 'boolean' },
    'no-docker': { type: 'boolean', default: false },
  },
});
const services = args.services === undefined ? SERVICES : args.services.split(',').map((s) => s.trim());
for (const name of services) if (!SERVICES.includes(name)) fail(`--services: unknown service '${name}' (known: ${SERVICES.join(', ')})`);

function fail(message: string): never {
  console.error(`check-prod-entry: ${message}`);
  process.exit(1);
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** Runs a step in `cwd`, echoing its command, and returns how long it took. */
function step(title: string, command: string, commandArgs: string[], cwd: string, env: SpawnSyncOptions['env'] = process.env): number {
  const started = performance.now();
  console.log(`==> ${title}: ${command} ${commandArgs.join(' ')}`);
  const result = spawnSync(command, commandArgs, { cwd, env, stdio: 'inherit' });
  if (result.status !== 0) fail(`${title} failed (${result.error?.message ?? `exit ${result.status}`})`);
  const ms = performance.now() - started;
  console.log(`    ${title}: ${seconds(ms)}`);
  return ms;
}

/** Bytes under `path` (du, apparent sizes), as MiB text. */
const mib = (path: string): string =>
  `${(Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]) / 1024 / 1024).toFixed(1)} MiB`;

/** A port nothing listens on right now, on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

/**
 * The image's entry, from Dockerfile.cpu's ENTRYPOINT (exec form) after tini: node's arguments up to
 * and including `serve`, so that the check starts exactly what the image starts.
 */
function imageEntry(): string[] {
  const file = join(ROOT, 'deploy/docker/Dockerfile.cpu');
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('ENTRYPOINT '));
  const argv = line === undefined ? undefined : (JSON.parse(line.slice('ENTRYPOINT '.length)) as string[]);
  const node = argv?.indexOf('node') ?? -1;
  if (argv === undefined || node < 0 || argv.at(-1) !== 'serve')
    fail(`${file}: expected ENTRYPOINT [..., "node", ..., "serve"], got ${line}`);
  return argv.slice(node + 1);
}

/** The service name each workload's readiness probe asks for, read from deploy/kustomize/base. */
function readinessName(service: string): string {
  const file = join(ROOT, 'deploy/kustomize/base', service === 'trainer' ? 'trainer-statefulset.yaml' : `${service}-deployment.yaml`);
  const match = /readinessProbe:\s*\n\s*grpc:\s*\n(?:\s*port:.*\n)?\s*service:\s*(\S+)/.exec(readFileSync(file, 'utf8'));
  if (match === null) fail(`${file}: no readinessProbe with a grpc service name`);
  return match[1]!;
}

/** Whether GET `url` answers 200. */
const answers = (url: string): Promise<boolean> =>
  fetch(url, { signal: AbortSignal.timeout(500) }).then(
    (res) => res.status === 200,
    () => false,
  );

/**
 * Polls until '' and `name` are both SERVING on `healthAddress` (the gRPC server is up) and
 * `metricsUrl` answers (every module started: the metrics endpoint opens last). Returns ms since
 * `since` of each, undefined where it never came within GIVE_UP_MS or before `gone()`.
 */
async function waitReady(
  healthAddress: string,
  name: string,
  metricsUrl: string,
  since: number,
  gone: () => boolean,
): Promise<{ servingMs?: number; readyMs?: number }> {
  const health = healthClient(healthAddress);
  const serving = (service: string) =>
    health.check(service, 500).then(
      (status) => status === 'SERVING',
      () => false,
    );
  let servingMs: number | undefined;
  try {
    while (performance.now() - since < GIVE_UP_MS && !gone()) {
      if (servingMs === undefined && (await serving('')) && (await serving(name))) servingMs = performance.now() - since;
      if (servingMs !== undefined && (await answers(metricsUrl))) return { servingMs, readyMs: performance.now() - since };
      await new Promise((r) => setTimeout(r, 50));
    }
    return servingMs === undefined ? {} : { servingMs };
  } finally {
    health.close();
  }
}

/** Ports a started service listens on (gRPC, plaintext health, metrics). */
interface Ports {
  grpcPort: number;
  healthPort: number;
  metricsPort: number;
}

/** A service started by a {@link Starter}. */
interface Started {
  /** performance.now() just before the start. */
  started: number;
  /** Whether it has exited. */
  gone(): boolean;
  /** What it wrote (stdout and stderr), for a failure report. */
  output(): string;
  /** SIGTERM, then its exit code (or signal). */
  stop(): Promise<number | string | null>;
}

/** Starts one service the way the image does. */
type Starter = (service: string, ports: Ports) => Promise<Started>;

/** One service's figures: ms to SERVING and to /metrics, and what went wrong. */
interface Result {
  service: string;
  servingMs?: number;
  readyMs?: number;
  problems: string[];
  output: string;
}

/** The copy: the tracked files of this clone as they are in the working tree (what `docker build`'s context holds). */
function copyTrackedFiles(dir: string): number {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(ROOT, f)));
  const tar = spawnSync('bash', ['-c', 'tar --null -T - -cf - | tar -xf - -C "$1"', 'copy', dir], {
    cwd: ROOT,
    input: files.join('\0'),
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  if (tar.status !== 0) fail('copying the tracked files failed');
  return files.length;
}

/** Starts one service the way the image's entry point does and measures it; returns its figures or a problem. */
async function checkService(service: string, start: Starter): Promise<Result> {
  const name = readinessName(service);
  const [grpcPort, healthPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const handle = await start(service, { grpcPort, healthPort, metricsPort });
  const { servingMs, readyMs } = await waitReady(
    `127.0.0.1:${healthPort}`,
    name,
    `http://127.0.0.1:${metricsPort}/metrics`,
    handle.started,
    handle.gone,
  );
  const problems: string[] = [];
  if (servingMs === undefined) problems.push(handle.gone() ? 'exited before serving' : `not SERVING after ${seconds(GIVE_UP_MS)}`);
  else if (readyMs === undefined)
    problems.push(handle.gone() ? 'exited before /metrics answered' : `/metrics not answering after ${seconds(GIVE_UP_MS)}`);
  else if (readyMs > LIMIT_MS) problems.push(`SERVING and /metrics up after ${seconds(readyMs)}, over the ${seconds(LIMIT_MS)} bound`);
  const code = await handle.stop();
  if (code !== 0) problems.push(`exit code ${code} after SIGTERM`);
  return {
    service,
    ...(servingMs === undefined ? {} : { servingMs }),
    ...(readyMs === undefined ? {} : { readyMs }),
    problems,
    output: handle.output(),
  };
}

/** The pruned tree's entry, as Dockerfile.cpu's ENTRYPOINT runs it, on loopback. */
function prunedTreeStarter(dir: string): Starter {
  return async (service, ports) => {
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MNEME_')));
    const dataDir = join(dir, 'data', service);
    Object.assign(env, {
      NODE_ENV: 'production',
      MNEME_DEVICE: 'cpu',
      MNEME_GRPC_HOST: '127.0.0.1',
      MNEME_GRPC_PORT: String(ports.grpcPort),
      MNEME_HEALTH_PORT: String(ports.healthPort),
      MNEME_METRICS_PORT: String(ports.metricsPort),
      MNEME_DATA_DIR: dataDir,
      MNEME_MODELS_DIR: join(dir, '.mneme/models'),
    });
    if (process.env.MNEME_KAFKA_BROKERS)
      Object.assign(env, {
        MNEME_KAFKA_BROKERS: process.env.MNEME_KAFKA_BROKERS,
        MNEME_KAFKA_TOPIC_PREFIX: `prod-entry-check-${process.pid}-`,
      });
    mkdirSync(dataDir, { recursive: true });
    const started = performance.now();
    const child = spawn(process.execPath, [...imageEntry(), service], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | string | null>((done) => child.on('exit', (code, signal) => done(code ?? signal)));
    return {
      started,
      gone: () => child.exitCode !== null || child.signalCode !== null,
      output: () => output,
      stop: async () => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      },
    };
  };
}

/** The CPU image, started with `docker run` (plaintext on purpose: the check has no certificates). */
function imageStarter(): Starter {
  return async (service, ports) => {
    const container = `mneme-prod-entry-check-${service}-${process.pid}`;
    const started = performance.now();
    const run = spawnSync(
      'docker',
      [
        'run',
        '-d',
        '--rm',
        '--name',
        container,
        '-e',
        'MNEME_INSECURE=1',
        '-e',
        'MNEME_HEALTH_PORT=50052',
        '-p',
        `127.0.0.1:${ports.grpcPort}:50051`,
        '-p',
        `127.0.0.1:${ports.healthPort}:50052`,
        '-p',
        `127.0.0.1:${ports.metricsPort}:9464`,
        IMAGE,
        service,
      ],
      { encoding: 'utf8' },
    );
    if (run.status !== 0) fail(`docker run ${service} failed: ${run.stderr}`);
    const running = () =>
      spawnSync('docker', ['inspect', '-f', '{{.State.Running}}', container], { encoding: 'utf8' }).stdout.trim() === 'true';
    let output = '';
    return {
      started,
      gone: () => !running(),
      output: () => output,
      stop: async () => {
        const wait = spawn('docker', ['wait', container], { stdio: ['ignore', 'pipe', 'ignore'] });
        let code = '';
        wait.stdout.on('data', (b: Buffer) => (code += b.toString()));
        output = spawnSync('docker', ['logs', container], { encoding: 'utf8' }).stdout;
        spawnSync('docker', ['stop', '-t', '15', container]);
        await new Promise((done) => wait.on('exit', done));
        return code.trim() === '' ? 'gone' : Number(code.trim());
      },
    };
  };
}

const started = performance.now();
const dockerAnswers = !args['no-docker'] && spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
if (args.docker && !dockerAnswers) fail('--docker: no container engine answers `docker info`');
const models = join(ROOT, '.mneme/models');
if (!dockerAnswers && !existsSync(models))
  fail(`${models} is missing: run \`bash tools/setup.sh\` first (it imports the model store this check copies)`);

const dir = mkdtempSync(join(tmpdir(), 'mneme-prod-entry-'));
// On every way out, fail() included.
process.on('exit', () => {
  if (dockerAnswers) spawnSync('docker', ['image', 'rm', IMAGE], { stdio: 'ignore' });
  if (args.keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});
const timings: Record<string, number> = {};
const results: Result[] = [];
{
  console.log(`==> copying ${copyTrackedFiles(dir)} tracked files into a temporary directory`);
  let start: Starter;
  if (dockerAnswers) {
    timings.image = step('image', 'docker', ['build', '-f', 'deploy/docker/Dockerfile.cpu', '-t', IMAGE, '.'], dir);
    start = imageStarter();
  } else {
    const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', NX_DAEMON: 'false', NX_NO_CLOUD: 'true', CI: 'true' };
    timings.install = step('npm ci', 'npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], dir, env);
    timings.build = step('build', 'npm', ['run', '--silent', 'build:images'], dir, env);
    timings.prune = step('prune', 'bash', ['tools/build/prune-production.sh'], dir, env);
    // The entry must run without devDependencies: tsx gone proves the prune happened.
    if (existsSync(join(dir, 'node_modules/tsx'))) fail('node_modules/tsx is still there after npm prune --omit=dev');
    // The image imports the model with the bundle; with the store copied in, that finds it already there.
    cpSync(models, join(dir, '.mneme/models'), { recursive: true });
    timings.importModel = step('model store', process.execPath, ['dist/apps/cli/bin/mneme.mjs', 'import-model'], dir, env);
    // Without tsx, `npx mneme` (apps/cli/bin/mneme.mjs) must fall back to the bundle.
    const version = spawnSync('npx', ['--no-install', 'mneme', '--version'], { cwd: dir, env, encoding: 'utf8' });
    if (version.status !== 0 || version.stdout.trim() === '')
      fail(`npx mneme --version in the pruned tree failed (exit ${version.status}): ${version.stderr}`);
    console.log(`    npx mneme --version in the pruned tree: ${version.stdout.trim()}`);
    console.log(
      `    bundle ${(statSync(join(dir, 'dist/apps/cli/bin/mneme.mjs')).size / 1024 / 1024).toFixed(2)} MiB, pruned node_modules ${mib(join(dir, 'node_modules'))}, model store ${mib(join(dir, '.mneme/models'))}`,
    );
    start = prunedTreeStarter(dir);
  }
  for (const service of services) {
    const result = await checkService(service, start);
    results.push(result);
    const figures =
      result.servingMs === undefined
        ? 'never SERVING'
        : `SERVING after ${seconds(result.servingMs)}, /metrics after ${result.readyMs === undefined ? 'never' : seconds(result.readyMs)}`;
    console.log(`    ${service.padEnd(14)} ${figures}${result.problems.length > 0 ? `  FAILED: ${result.problems.join('; ')}` : ''}`);
  }
}

const failed = results.filter((r) => r.problems.length > 0);
for (const r of failed) console.error(`\n---- ${r.service}: ${r.problems.join('; ')}; its output:\n${r.output}`);
console.log(
  JSON.stringify({
    entry: dockerAnswers ? 'image' : 'pruned-tree',
    timingsMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])),
    servingMs: Object.fromEntries(results.map((r) => [r.service, r.servingMs === undefined ? null : Math.round(r.servingMs)])),
    readyMs: Object.fromEntries(results.map((r) => [r.service, r.readyMs === undefined ? null : Math.round(r.readyMs)])),
    totalMs: Math.round(performance.now() - started),
  }),
);
if (failed.length > 0) fail(`${failed.length} of ${results.length} services did not start as the image would (bound ${seconds(LIMIT_MS)})`);
console.log(`check-prod-entry: every service SERVING within ${seconds(LIMIT_MS)} from the ${dockerAnswers ? 'image' : 'pruned build'}`);
