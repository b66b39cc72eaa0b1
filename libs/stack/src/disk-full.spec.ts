import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScenarioKind, TrainerServiceClient, type TrainingSample } from '@mneme/contracts';
import { createExecutor, Engine } from '@mneme/engine';
import { InProcessBus } from '@mneme/events';
import { createClient, jsonLogger, unary } from '@mneme/rpc';
import { ServiceMetrics } from '@mneme/service-runtime';
import { tensor } from '@mneme/tensor';
import { toWire } from '@mneme/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type RunningStack } from './start-stack.js';

const sample = (id: string, label: string, x: number): TrainingSample => ({
  sample: {
    sampleId: id,
    label,
    input: { kind: { $case: 'features', value: toWire(tensor('float32', [2], Float32Array.from([x, 1 - x]))) } },
    metadata: {},
  },
  experience: { modelId: 'm', experienceIndex: 0 },
});
const batch = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => sample(`s${from + i}`, (from + i) % 2 ? 'a' : 'b', (from + i) % 5));

/** A real full disk: a 2 MiB tmpfs (mounting needs root; CI runs as root, elsewhere it skips). */
async function smallDisk(): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'mneme-disk-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
}

const disk = await smallDisk();
if (disk === undefined) console.warn('disk-full test SKIPPED: mounting a small tmpfs needs root (CI runs as root)');

describe.skipIf(disk === undefined)('a full disk under the trainer (ENOSPC from a 2 MiB tmpfs)', () => {
  let stack: RunningStack;
  let bus: InProcessBus;
  let client: TrainerServiceClient;

  beforeAll(async () => {
    bus = new InProcessBus({ retry: { initialMs: 20, maxMs: 200 } });
    const executor = createExecutor(await Engine.create());
    stack = await startStack({
      services: ['trainer'],
      dataDir: disk!,
      bus,
      executor,
      logger: jsonLogger('test', 'error'),
      metrics: new ServiceMetrics({ defaultMetrics: false }),
    });
    client = createClient(TrainerServiceClient, stack.address);
  });
  afterAll(async () => {
    client?.close();
    await stack?.stop();
    await bus?.close();
    execFileSync('umount', [disk!]);
    await rm(disk!, { recursive: true, force: true });
  });

  it('refuses Ingest while the disk is full (saying so), keeps nothing half-written, and takes the re-sent samples once space is back', async () => {
    await unary(client.createModel.bind(client), {
      modelId: 'm',
      spec: {
        base: 'mlp:2-4',
        scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
        strategy: { name: 'naive', options: {} },
        labels: ['a', 'b'],
        seed: 1,
      },
    });
    expect((await unary(client.ingest.bind(client), { modelId: 'm', samples: batch(0, 100) })).accepted).toBe(100);

    // Fill the disk: the filler's write fails with ENOSPC once every block is taken (400 samples
    // need new blocks; a few might fit in the log's last, partly used one).
    const filler = join(disk!, 'filler');
    await expect(writeFile(filler, Buffer.alloc(4 * 1024 * 1024, 1))).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(unary(client.ingest.bind(client), { modelId: 'm', samples: batch(100, 400) })).rejects.toMatchObject({
      kind: 'resource-exhausted',
      message: expect.stringMatching(/no space left on the disk holding sample log/),
    });

    await rm(filler);
    // The client retries; the bus may have retried first: either way each sample is logged once.
    const retried = await unary(client.ingest.bind(client), { modelId: 'm', samples: batch(100, 400) });
    expect(retried.accepted + retried.duplicateIds.length).toBe(400);
    const status = await unary(client.getTrainingStatus.bind(client), { modelId: 'm' });
    expect(Number(status.samplesTrained) + Number(status.backlog)).toBe(500);
    await unary(client.closeExperience.bind(client), { experience: { modelId: 'm', experienceIndex: 0 }, sampleCount: 500 });
    for (let i = 0; i < 200; i++) {
      const versions = (await unary(client.listModelVersions.bind(client), { modelId: 'm' })).versions;
      if (versions.length === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const after = await unary(client.getTrainingStatus.bind(client), { modelId: 'm' });
    expect({
      trained: Number(after.samplesTrained),
      backlog: Number(after.backlog),
      version: Number(after.latestVersion?.model?.version),
    }).toEqual({ trained: 500, backlog: 0, version: 2 });
  });
});
