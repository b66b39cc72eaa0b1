import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { TrainerServiceClient } from '@mneme/contracts';
import { createClient, unary } from '@mneme/rpc';
import { MnemeError } from '@mneme/errors';

/** The workspace root: trainer processes run its `apps/trainer` entry from source. */
const WORKSPACE = resolve(import.meta.dirname, '../../..');

/** A trainer service running as its own process (the app's entry point), for tests and benchmarks. */
export interface TrainerProcess {
  readonly child: ChildProcess;
  /** `127.0.0.1:<port>` of its gRPC server. */
  readonly address: string;
  /** Port of its Prometheus endpoint. */
  readonly metricsPort: number;
  /** Everything it logged so far (JSON lines on stderr). */
  logs(): string;
  /** Sends `signal` and resolves once the process exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `apps/trainer` with `env` (MNEME_* variables; the gRPC port is `options.port` or a free one, the metrics port a free one)
 * and resolves once it serves gRPC. The process is node itself, not an npx wrapper, so a signal
 * reaches the trainer (SIGKILL kills it, not a parent).
 */
export async function startTrainerProcess(
  env: Readonly<Record<string, string>>,
  options: { timeoutMs?: number; port?: number } = {},
): Promise<TrainerProcess> {
  // A restarted trainer may keep its port, so clients of the first one reach it again.
  const port = options.port ?? (await freePort());
  const metricsPort = await freePort();
  const child = spawn(process.execPath, ['--conditions=@mneme/source', '--import', 'tsx', 'apps/trainer/src/main.ts'], {
    cwd: WORKSPACE,
    env: { ...process.env, ...env, MNEME_GRPC_PORT: String(port), MNEME_METRICS_PORT: String(metricsPort) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logs = '';
  child.stderr.on('data', (d: Buffer) => void (logs += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const address = `127.0.0.1:${port}`;
  const trainer: TrainerProcess = {
    child,
    address,
    metricsPort,
    logs: () => logs,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  const timeoutMs = options.timeoutMs ?? 90_000;
  const deadline = Date.now() + timeoutMs;
  const client = createClient(TrainerServiceClient, address);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new MnemeError('unavailable', `trainer exited with ${child.exitCode}: ${logs}`);
      // Serving: a question about an unknown model gets its not-found answer.
      const up = await unary(client.listModelVersions.bind(client), { modelId: 'probe' }, { timeoutMs: 1000 }).then(
        () => true,
        (err: { kind?: string }) => err.kind === 'not-found',
      );
      if (up) return trainer;
      if (Date.now() > deadline) {
        await trainer.stop('SIGKILL');
        throw new MnemeError('deadline-exceeded', `trainer did not start within ${timeoutMs} ms: ${logs}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    client.close();
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** The value of counter `name` for `model` on a Prometheus endpoint (0 when absent). */
export async function modelCounter(metricsPort: number, name: string, model: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{model="${model}"}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}
