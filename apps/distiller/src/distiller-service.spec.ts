import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DistillationMethod, DistillerServiceClient, JobState, type DistillationJob, type TrainingSample } from '@mneme/contracts';
import { InProcessBus, newEventHeader, publishEvent, silentEventLogger } from '@mneme/events';
import { unary } from '@mneme/rpc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aligned } from '@mneme/service-runtime';
import { failure, tempDataDir, removeDir, serve, type Served, testDeps } from '@mneme/testing';
import { featureSample } from '@mneme/testing';
import type { ServiceDeps } from '@mneme/service-runtime';
import { tensor } from '@mneme/tensor';
import { fromWire, toWire } from '@mneme/wire';
import { SampleBuffer } from './sample-buffer.js';
import { createDistillerService } from './distiller-service.js';
import { mlpNetworks } from './network-source.js';

const spec = {
  samplesPerLabel: 2,
  method: DistillationMethod.DISTILLATION_METHOD_BILEVEL,
  innerSteps: 1,
  outerSteps: 3,
  innerLearningRate: 0.05,
  initFromReal: true,
  seed: 4,
  // 0: the documented defaults.
  realBatch: 0,
  outerLearningRate: 0,
  initsPerStep: 0,
};

/** 24 samples of width 4 in two separable labels, for experience `experienceIndex`. */
function trainingSamples(experienceIndex: number): TrainingSample[] {
  return Array.from({ length: 24 }, (_, i) => {
    const label = i % 2 === 0 ? 'even' : 'odd';
    const sign = label === 'even' ? 1 : -1;
    return {
      sample: featureSample(`e${experienceIndex}-${i}`, label, [sign, sign * 0.5, (i % 5) / 5, 0.1]),
      experience: { modelId: 'm', experienceIndex },
      taskId: undefined,
    };
  });
}

describe('distiller service over gRPC', () => {
  let dir: string;
  let deps: ServiceDeps;
  let bus: InProcessBus;
  let served: Served<DistillerServiceClient> | undefined;

  const start = async () => {
    served = await serve(await createDistillerService(deps, { networks: mlpNetworks([8]), eventSpec: spec }), deps, DistillerServiceClient);
    return served.client;
  };
  /** Polls a job until it ends (or appears, when the consumer has not started it yet). */
  const finished = async (c: DistillerServiceClient, jobId: string): Promise<DistillationJob> => {
    for (let i = 0; i < 600; i++) {
      const job = await unary(c.getDistillationJob.bind(c), { jobId }).then(
        (r) => r.job!,
        () => undefined,
      );
      if (job !== undefined && job.state !== JobState.JOB_STATE_QUEUED && job.state !== JobState.JOB_STATE_RUNNING) return job;
      await sleep(50);
    }
    throw new Error(`job ${jobId} did not finish`);
  };

  beforeEach(async () => {
    dir = await tempDataDir();
    bus = new InProcessBus({ logger: silentEventLogger });
    deps = await testDeps(dir, bus);
  });
  afterEach(async () => {
    await served?.stop();
    served = undefined;
    await bus.close();
    await removeDir(dir);
  });

  it('buffers the samples topic and distils an experience when it closes', async () => {
    const c = await start();
    await publishEvent(bus, 'samples', { header: newEventHeader({ modelId: 'm', producer: 'test' }), samples: trainingSamples(0) });
    const header = newEventHeader({ modelId: 'm', producer: 'test' });
    await publishEvent(bus, 'experienceClosed', { header, experience: { modelId: 'm', experienceIndex: 0 }, sampleCount: 24, dataUri: '' });
    const job = await finished(c, `experience-closed-${header.eventId}`);
    expect(job).toMatchObject({
      state: JobState.JOB_STATE_SUCCEEDED,
      stepsDone: 3,
      stepsTotal: 3,
      result: { experience: { modelId: 'm', experienceIndex: 0 }, version: 1 },
    });
    expect(Number.isFinite(job.outerLoss)).toBe(true);
    const { set } = await unary(c.getSyntheticSet.bind(c), { set: { experience: { modelId: 'm', experienceIndex: 0 }, version: 0 } });
    expect(set!.samples.map((s) => s.label)).toEqual(['even', 'even', 'odd', 'odd']);
    // Stored with the documented defaults filled in.
    expect(set!.spec).toEqual({ ...spec, realBatch: 128, outerLearningRate: 0.01, initsPerStep: 1 });
    expect(set!.learnedLearningRate).toBeGreaterThan(0);
    const first = set!.samples[0]!.input!.kind;
    expect(first?.$case).toBe('features');
    if (first?.$case === 'features') expect(fromWire(aligned(first.value)).shape).toEqual([4]);
  });

  it('starts jobs by RPC, versions the sets, lists them newest first, and keeps everything across a restart', async () => {
    let c = await start();
    await publishEvent(bus, 'samples', {
      header: newEventHeader({ modelId: 'm', producer: 'test' }),
      samples: [...trainingSamples(1), ...trainingSamples(2)],
    });
    const experience = { modelId: 'm', experienceIndex: 1 };
    let started: DistillationJob | undefined;
    for (let i = 0; i < 100 && started === undefined; i++) {
      started = await unary(c.startDistillation.bind(c), { experience, model: { modelId: 'm', version: 0 }, spec }).then(
        (r) => r.job,
        async () => void (await sleep(50)),
      );
    }
    expect((await finished(c, started!.jobId)).result?.version).toBe(1);
    const again = (
      await unary(c.startDistillation.bind(c), {
        experience,
        model: undefined,
        spec: { ...spec, method: DistillationMethod.DISTILLATION_METHOD_GRADIENT_MATCHING },
      })
    ).job!;
    expect((await finished(c, again.jobId)).result?.version).toBe(2);
    const listed = await unary(c.listSyntheticSets.bind(c), { modelId: 'm', page: { pageSize: 1, pageToken: '' } });
    expect(listed.sets).toEqual([{ experience, version: 2 }]);
    const rest = await unary(c.listSyntheticSets.bind(c), { modelId: 'm', page: { pageSize: 1, pageToken: listed.nextPageToken } });
    expect(rest).toEqual({ sets: [{ experience, version: 1 }], nextPageToken: '' });

    await served!.stop();
    c = await start();
    expect((await unary(c.getDistillationJob.bind(c), { jobId: again.jobId })).job!.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const v1 = await unary(c.getSyntheticSet.bind(c), { set: { experience, version: 1 } });
    expect(v1.set!.ref).toEqual({ experience, version: 1 });
  });

  it('forgets source samples for good: later distillations never read them, the sets distilled from them are named', async () => {
    let c = await start();
    await publishEvent(bus, 'samples', { header: newEventHeader({ modelId: 'm', producer: 'test' }), samples: trainingSamples(0) });
    const header = newEventHeader({ modelId: 'm', producer: 'test' });
    await publishEvent(bus, 'experienceClosed', { header, experience: { modelId: 'm', experienceIndex: 0 }, sampleCount: 24, dataUri: '' });
    await finished(c, `experience-closed-${header.eventId}`);
    const forget = (sampleIds: string[]) => unary(c.forgetSourceSamples.bind(c), { modelId: 'm', sampleIds });
    expect(await forget(['e0-0', 'e0-1', 'never-sent'])).toEqual({
      removedFromBuffers: 2,
      setsDistilledFromThem: [{ experience: { modelId: 'm', experienceIndex: 0 }, version: 1 }],
    });
    const buffer = new SampleBuffer(join(dir, 'distiller', 'buffers'));
    expect((await buffer.read('m', 0)).labels).toHaveLength(22);
    // Idempotent, durable across a restart, and a redelivered sample stays forgotten.
    await served!.stop();
    c = await start();
    await publishEvent(bus, 'samples', {
      header: newEventHeader({ modelId: 'm', producer: 'test' }),
      samples: trainingSamples(0).slice(0, 2),
    });
    expect((await forget(['e0-0'])).removedFromBuffers).toBe(0);
    expect((await buffer.read('m', 0)).labels).toHaveLength(22);
    const bad = await failure(unary(c.forgetSourceSamples.bind(c), { modelId: '../x', sampleIds: [] }));
    expect(bad.kind).toBe('invalid-argument');
    expect(bad.message).toContain('sample_ids is empty');
    expect((await failure(forget(['a', '']))).message).toContain('sample_ids[1] is empty');
  });

  it('rejects bad requests with the reason', async () => {
    const c = await start();
    const experience = { modelId: 'm', experienceIndex: 5 };
    const bad = await failure(
      unary(c.startDistillation.bind(c), {
        experience,
        model: undefined,
        spec: { ...spec, samplesPerLabel: 0, method: DistillationMethod.DISTILLATION_METHOD_FIRST_ORDER, innerSteps: 3 },
      }),
    );
    expect(bad.kind).toBe('invalid-argument');
    expect(bad.message).toContain('spec.samples_per_label must be positive');
    const nothing = await failure(unary(c.startDistillation.bind(c), { experience, model: undefined, spec }));
    expect(nothing.kind).toBe('failed-precondition');
    expect(nothing.message).toContain("no samples of model 'm' experience 5");
    // Inline samples (as a trainer sends them) are checked against the network they are distilled for.
    const real = { rows: toWire(tensor('float32', [2, 4], Float32Array.of(1, 0, 0, 0, 0, 1, 0, Number.NaN))), labels: ['a', 'z'] };
    const inline = await failure(
      unary(c.startDistillation.bind(c), { experience, model: undefined, spec, real, network: { sizes: [3, 2], labels: ['a', 'b', 'b'] } }),
    );
    expect(inline.kind).toBe('invalid-argument');
    expect(inline.message).toMatch(/real\.rows .*non-finite/);
    const net = await failure(
      unary(c.startDistillation.bind(c), {
        experience,
        model: undefined,
        spec,
        real: { ...real, rows: toWire(tensor('float32', [2, 4], new Float32Array(8))) },
        network: { sizes: [3, 2], labels: ['a', 'b', 'b'] },
      }),
    );
    expect(net.message).toMatch(
      /starts at 3, but the rows are 4 wide[\s\S]*ends at 2 classes, but network\.labels names 3[\s\S]*repeats 'b'[\s\S]*no output for: z/,
    );
    const badId = await failure(
      unary(c.startDistillation.bind(c), { experience: { modelId: '', experienceIndex: 0 }, model: undefined, spec }),
    );
    expect(badId.kind).toBe('invalid-argument');
    expect((await failure(unary(c.getDistillationJob.bind(c), { jobId: 'nope' }))).kind).toBe('not-found');
    const noSet = await failure(unary(c.getSyntheticSet.bind(c), { set: { experience, version: 0 } }));
    expect(noSet.kind).toBe('not-found');
    expect(noSet.message).toContain("model 'm' experience 5 has no synthetic set");
    // Path-shaped and oversize ids answer at once, naming what is wrong.
    for (const jobId of ['.', '..', '../x', 'a/b', ''])
      expect((await failure(unary(c.getDistillationJob.bind(c), { jobId }))).kind).toBe('invalid-argument');
    expect((await failure(unary(c.getDistillationJob.bind(c), { jobId: 'j'.repeat(100_000) }))).message).toContain(
      'over the limit of 256 (MNEME_MAX_ID_BYTES)',
    );
    expect(
      (
        await failure(
          unary(c.startDistillation.bind(c), { experience: { modelId: 'm', experienceIndex: 4_294_967_295 }, model: undefined, spec }),
        )
      ).message,
    ).toContain('(MNEME_MAX_EXPERIENCE_INDEX)');
    // Every number of the spec is finite, positive and within the limits; nothing is queued otherwise.
    const rows = { rows: toWire(tensor('float32', [2, 4], new Float32Array(8))), labels: ['a', 'b'] };
    const wild = await failure(
      unary(c.startDistillation.bind(c), {
        experience,
        model: undefined,
        spec: { ...spec, innerLearningRate: -1, outerLearningRate: Infinity, outerSteps: 4_000_000_000, samplesPerLabel: 4_000_000_000 },
        real: rows,
      }),
    );
    expect(wild.message).toMatch(
      /inner_learning_rate must be > 0, got -1[\s\S]*outer_learning_rate must be a finite number[\s\S]*\(MNEME_MAX_DISTILL_STEPS\)[\s\S]*\(MNEME_MAX_SYNTHETIC_SAMPLES\)/,
    );
    const nan = await failure(
      unary(c.startDistillation.bind(c), { experience, model: undefined, spec: { ...spec, innerLearningRate: Number.NaN }, real: rows }),
    );
    expect(nan.message).toContain('spec.inner_learning_rate must be a finite number, got NaN');
    const huge = await failure(
      unary(c.startDistillation.bind(c), {
        experience,
        model: undefined,
        spec,
        real: { rows: { ...rows.rows, shape: [20_000_000, 4] }, labels: [] },
      }),
    );
    expect(huge.message).toContain('real.rows count is 20000000, over the limit of 10000000 (MNEME_MAX_EXPERIENCE_SAMPLES)');
  });
});
