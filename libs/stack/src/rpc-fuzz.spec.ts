import * as contracts from '@mneme/contracts';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import { createClient, healthClient, rawClient, unary, type RawClient } from '@mneme/rpc';
import { ServiceMetrics } from '@mneme/service-runtime';
import { inferShape, malformedRequests, quietLogger, removeDir, tempDataDir, testExecutor } from '@mneme/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type RunningStack } from './start-stack.js';

/**
 * Fuzzes every RPC of every mneme service, found in the generated service definitions (a new RPC is
 * covered without touching this file), against the embedded stack on loopback. Each RPC gets
 * REQUESTS_PER_RPC malformed requests built from its request's layout (read off its decoder); every
 * call must end with a clean status within a second, health must stay SERVING, and the process
 * must not grow by 100 MB. Set MNEME_FUZZ_SEED to replay a run; the seed is printed.
 */
const REQUESTS_PER_RPC = Number(process.env['MNEME_FUZZ_REQUESTS'] ?? 24);
const SEED = Number(process.env['MNEME_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const CALL_BUDGET_MS = 1_000;
// A clean answer says what was wrong; INTERNAL and UNKNOWN mean the server broke, a missed deadline means it stalled.
const UNCLEAN = new Set(['INTERNAL', 'UNKNOWN', 'DEADLINE_EXCEEDED']);
// Ids that exist in the stack, so that requests get past the not-found checks into the real work.
const KNOWN_IDS = ['fuzz', 'fuzz-model'];
// Words of the services' own vocabulary, so that some requests are nearly valid: small and degenerate bases, strategies, labels.
const WORDS = ['mlp:4-8', 'mlp:4-0', 'mlp:0', 'mlp:4', 'naive', 'er', 'mir', 'knn', 'l2p', 'distill', 'a', 'b', 'memory', '0', '-1', 'NaN'];
// Oversize strings and bytes go past every byte limit (the largest, texts, is 64 KiB) and no further:
// bigger ones would only churn the heap the RSS bound watches.
const MAX_BLOB = 96 * 1024;

/** The parts of a generated method definition the fuzzer uses. */
interface Method {
  readonly path: string;
  readonly requestDeserialize: (bytes: Buffer) => unknown;
}

/** Every generated gRPC service definition exported by the contracts, by service name. */
function serviceDefinitions(): Map<string, Record<string, Method>> {
  const found = new Map<string, Record<string, Method>>();
  for (const value of Object.values(contracts)) {
    if (typeof value !== 'object' || value === null) continue;
    const methods = Object.values(value) as Partial<Method>[];
    if (methods.length === 0 || !methods.every((m) => typeof m?.path === 'string' && typeof m.requestDeserialize === 'function')) continue;
    found.set(/^\/([^/]+)\//.exec(methods[0]!.path!)![1]!, value as Record<string, Method>);
  }
  return found;
}

/** Seed of one RPC's requests: the run's seed mixed with the method path, so RPCs differ. */
function seedFor(path: string): number {
  let h = SEED >>> 0;
  for (const c of path) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

describe('fuzzing every RPC with malformed requests', () => {
  let dir: string;
  let bus: InProcessBus;
  let stack: RunningStack;
  let raw: RawClient;

  beforeAll(async () => {
    console.log(`rpc fuzz seed ${SEED} (replay with MNEME_FUZZ_SEED=${SEED})`);
    dir = await tempDataDir();
    bus = new InProcessBus({ logger: silentEventLogger });
    stack = await startStack({
      dataDir: dir,
      bus,
      executor: await testExecutor(),
      logger: quietLogger,
      metrics: new ServiceMetrics({ defaultMetrics: false }),
    });
    // A model, a memory and a pool named like the fuzzer's known ids.
    const trainer = createClient(contracts.TrainerServiceClient, stack.address);
    await unary(trainer.createModel.bind(trainer), {
      modelId: 'fuzz',
      spec: {
        base: 'mlp:4-8',
        scenario: contracts.ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
        strategy: { name: 'er', options: { memory: '8' } },
        labels: ['a', 'b'],
        seed: 1,
      },
    });
    trainer.close();
    const memory = createClient(contracts.ReplayMemoryServiceClient, stack.address);
    await unary(memory.createMemory.bind(memory), {
      modelId: 'fuzz',
      capacity: 16,
      policy: contracts.MemoryPolicy.MEMORY_POLICY_RESERVOIR,
      seed: 0,
      replace: false,
      writerEpoch: 0,
    });
    memory.close();
    const pools = createClient(contracts.PromptPoolServiceClient, stack.address);
    await unary(pools.createPool.bind(pools), {
      pool: { modelId: 'fuzz', tenant: '' },
      spec: { poolSize: 4, promptLength: 2, topN: 2, hiddenSize: 4, seed: 0 },
    });
    pools.close();
    raw = rawClient(stack.address);
  }, 60_000);

  afterAll(async () => {
    raw?.close();
    await stack?.stop();
    await bus?.close();
    if (dir !== undefined) await removeDir(dir);
  });

  it('finds every service the stack hosts in the generated definitions', () => {
    const hosted = Object.values(stack.modules).flatMap((m) => m.bindings.map((b) => b.name));
    expect([...serviceDefinitions().keys()].sort()).toEqual([...hosted].sort());
  });

  it(`answers ${REQUESTS_PER_RPC} malformed requests per RPC with clean statuses, each within ${CALL_BUDGET_MS} ms, while health stays SERVING`, async () => {
    const health = healthClient(stack.address);
    // Connected before the clock starts: the first call also resolves the address.
    expect(await health.check('')).toBe('SERVING');
    const healthFailures: string[] = [];
    // The call in flight, so that a stalled health check names what stalled the process.
    let inFlight = '';
    let checking = true;
    const healthLoop = (async () => {
      while (checking) {
        const started = performance.now();
        const state = await health
          .check('', CALL_BUDGET_MS)
          .catch((err: unknown) => `failed: ${err instanceof Error ? err.message : String(err)}`);
        if (state !== 'SERVING') healthFailures.push(`${state} after ${Math.round(performance.now() - started)} ms, during ${inFlight}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const before = process.memoryUsage();
    const rssBefore = before.rss;
    const unclean: string[] = [];
    const codes = new Map<string, number>();
    const accepted = new Map<string, number>();
    let calls = 0;
    for (const [service, methods] of serviceDefinitions()) {
      for (const method of Object.values(methods)) {
        const requests = malformedRequests(inferShape(method.requestDeserialize), REQUESTS_PER_RPC, seedFor(method.path), {
          knownIds: KNOWN_IDS,
          words: WORDS,
          maxBlob: MAX_BLOB,
        });
        let i = -1;
        for (const request of requests) {
          i++;
          inFlight = `${method.path} #${i} (${request.kind})`;
          const outcome = await raw.call(method.path, request.bytes, CALL_BUDGET_MS);
          calls++;
          codes.set(outcome.status, (codes.get(outcome.status) ?? 0) + 1);
          if (outcome.status === 'OK') accepted.set(method.path, (accepted.get(method.path) ?? 0) + 1);
          if (UNCLEAN.has(outcome.status) || outcome.ms > CALL_BUDGET_MS) {
            unclean.push(
              `${method.path} #${i} (${request.kind}, ${request.bytes.length} B): ${outcome.status} in ${Math.round(outcome.ms)} ms: ${outcome.details.slice(0, 200)}`,
            );
          }
        }
      }
      expect(service).toMatch(/^mneme\.v1\./);
    }
    checking = false;
    await healthLoop;
    health.close();
    const after = process.memoryUsage();
    const grownMb = (after.rss - rssBefore) / 2 ** 20;
    const mb = (k: keyof NodeJS.MemoryUsage) => `${k} +${((after[k] - before[k]) / 2 ** 20).toFixed(1)}`;
    console.log(`rpc fuzz memory: ${(['heapTotal', 'heapUsed', 'external', 'arrayBuffers'] as const).map(mb).join(', ')} MB`);
    console.log(
      `rpc fuzz: ${calls} calls, statuses ${JSON.stringify(Object.fromEntries(codes))}, rss +${grownMb.toFixed(1)} MB; accepted ${JSON.stringify(Object.fromEntries(accepted))}`,
    );
    expect(unclean, `seed ${SEED}`).toEqual([]);
    expect(healthFailures, `seed ${SEED}`).toEqual([]);
    expect(grownMb, `seed ${SEED}`).toBeLessThan(100);
    // Each RPC was really exercised: at least 20 requests each.
    const rpcs = [...serviceDefinitions().values()].reduce((n, m) => n + Object.keys(m).length, 0);
    expect(calls).toBe(rpcs * REQUESTS_PER_RPC);
    expect(REQUESTS_PER_RPC).toBeGreaterThanOrEqual(20);
  }, 120_000);
});
