import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutor, Engine } from '@mneme/engine';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import type { Executor } from '@mneme/execution';
import { createClient, type ClientConstructor, type Logger } from '@mneme/rpc';
import { hostServices, type HostedServices } from '@mneme/service-runtime';
import { ServiceMetrics } from '@mneme/service-runtime';
import type { ServiceDeps, ServiceModule } from '@mneme/service-runtime';
import { MnemeError } from '@mneme/errors';
import { expect } from 'vitest';

/** A generated gRPC client (the grpc-js type, named without importing grpc-js here). */
type Client = ReturnType<typeof createClient>;

/** A logger that drops everything (tests assert on responses, not logs). */
export const quietLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

let shared: Executor | undefined;

/** One real ONNX Runtime CPU executor per test file, single-threaded (the machine is shared). */
export async function testExecutor(): Promise<Executor> {
  shared ??= createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
  return shared;
}

/** A fresh temporary data dir; remove it with {@link removeDir}. */
export const tempDataDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'mneme-services-'));
export const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

/** Deps of a service under test: the given data dir, an in-process bus, the real executor. */
export async function testDeps(dataDir: string, bus = new InProcessBus({ logger: silentEventLogger })): Promise<ServiceDeps> {
  return { dataDir, bus, executor: await testExecutor(), metrics: new ServiceMetrics({ defaultMetrics: false }), logger: quietLogger };
}

/** A module served on 127.0.0.1 (free port) and a generated client of it. */
export interface Served<C extends Client> {
  readonly client: C;
  readonly host: HostedServices;
  stop(): Promise<void>;
}

/** Hosts `module` on a real gRPC server and connects a `Ctor` client to it. */
export async function serve<C extends Client>(module: ServiceModule, deps: ServiceDeps, Ctor: ClientConstructor<C>): Promise<Served<C>> {
  const host = await hostServices({ modules: [module], metrics: deps.metrics, logger: deps.logger });
  const client = createClient(Ctor, host.address);
  return {
    client,
    host,
    stop: async () => {
      client.close();
      await host.stop();
    },
  };
}

/** Resolves with the MnemeError a call failed with (fails the test when it succeeds). */
export async function failure(call: Promise<unknown>): Promise<MnemeError> {
  const outcome = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(MnemeError);
  return outcome as MnemeError;
}
