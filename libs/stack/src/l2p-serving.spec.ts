/**
 * Prompt strategies (L2P, DualPrompt, CODA-Prompt) on a text model through the services: the trainer learns prompts, keys and head from
 * streamed texts and publishes each version's pool to the prompt-pool service; the encoder's
 * Predict selects prompts from the served pool and predicts exactly what the trainer-side
 * strategy predicts for the same version. Real gRPC servers on loopback, real ONNX Runtime and
 * the MiniLM weights tools/setup.sh imports (skipped without them).
 */
import { join } from 'node:path';
import { EncoderServiceClient, PromptPoolServiceClient, ScenarioKind, TrainerServiceClient, type Input } from '@mneme/contracts';
import { InProcessBus } from '@mneme/events';
import { POOL_PARAMS } from '@mneme/methods';
import { FileModelStore } from '@mneme/model-store';
import { createClient, unary } from '@mneme/rpc';
import { tensor } from '@mneme/tensor';
import { fromWire, toWire } from '@mneme/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildModelRuntime, poolOfState, withPool, type ServedPoolValues } from '@mneme/service-runtime';
import { aligned } from '@mneme/service-runtime';
import { failure, quietLogger, removeDir, tempDataDir, testExecutor } from '@mneme/testing';
import { ServiceMetrics } from '@mneme/service-runtime';
import { startStack, type RunningStack } from './start-stack.js';
import { features, HAVE_MINILM, MODELS_DIR, text } from '@mneme/testing';

const MODEL = 'intents';
const TRAIN: readonly [string, string][] = [
  ['weather', 'will it rain tomorrow'],
  ['food', 'order me a pizza'],
  ['weather', 'is it sunny outside'],
  ['food', 'i want pasta for dinner'],
  ['weather', 'how cold is it today'],
  ['food', 'find a good curry place'],
];
const QUERIES = [
  'do i need an umbrella',
  'book a table for sushi',
  'snow forecast for the weekend',
  'what is for lunch',
  'windy or calm today',
  'cook rice and beans',
  'hail this afternoon',
  'dessert ideas please',
];

describe.skipIf(!HAVE_MINILM)('L2P text models through the trainer, prompt-pool and encoder services', () => {
  let dir: string;
  let stack: RunningStack | undefined;
  let bus: InProcessBus;
  let clients: { trainer: TrainerServiceClient; encoder: EncoderServiceClient; pools: PromptPoolServiceClient } | undefined;

  /** Runs `services` in one stack on loopback, over the test's data folder. */
  const start = async (services: string[]) => {
    bus = new InProcessBus();
    stack = await startStack({
      services,
      dataDir: dir,
      modelsDir: MODELS_DIR,
      bus,
      executor: await testExecutor(),
      logger: quietLogger,
      metrics: new ServiceMetrics({ defaultMetrics: false }),
    });
    clients = {
      trainer: createClient(TrainerServiceClient, stack.address),
      encoder: createClient(EncoderServiceClient, stack.address),
      pools: createClient(PromptPoolServiceClient, stack.address),
    };
    return clients;
  };
  const stop = async () => {
    for (const c of Object.values(clients ?? {})) c.close();
    clients = undefined;
    await stack?.stop();
    stack = undefined;
    await bus?.close();
  };

  /** Creates a text model (L2P unless named), streams one experience and waits for its version (2). */
  const train = async (
    trainer: TrainerServiceClient,
    strategy = {
      name: 'l2p',
      options: { size: '4', length: '2', select: '2', maxTokens: '16', 'batch-size': '2' } as Record<string, string>,
    },
  ) => {
    await unary(trainer.createModel.bind(trainer), {
      modelId: MODEL,
      spec: {
        base: 'all-MiniLM-L6-v2',
        scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
        strategy,
        labels: [],
        seed: 3,
      },
    });
    const samples = TRAIN.map(([label, t], i) => ({
      sample: { sampleId: `s${i}`, label, input: text(t), metadata: {} },
      experience: { modelId: MODEL, experienceIndex: 0 },
    }));
    await unary(trainer.ingest.bind(trainer), { modelId: MODEL, samples });
    await unary(trainer.closeExperience.bind(trainer), { experience: { modelId: MODEL, experienceIndex: 0 }, sampleCount: samples.length });
    for (let i = 0; i < 600; i++) {
      if ((await unary(trainer.listModelVersions.bind(trainer), { modelId: MODEL })).versions.length >= 2) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the trainer saved no version after the experience');
  };

  beforeEach(async () => {
    dir = await tempDataDir();
  });
  afterEach(async () => {
    await stop();
    await removeDir(dir);
  });

  it('publishes each version’s pool, and Predict selects from it, equal to the trainer-side strategy', async () => {
    const { trainer, encoder, pools } = await start(['trainer', 'encoder', 'prompt-pool']);
    await train(trainer);
    // The version is saved, then its pool published, then it is announced: wait for the pool.
    for (let i = 0; i < 400; i++) {
      const found = await unary(pools.getPool.bind(pools), { pool: { modelId: MODEL, tenant: '' }, version: 0, modelVersion: 2 }).then(
        () => true,
        () => false,
      );
      if (found) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    // The pool published for version 2 is the version's own pool.
    const store = new FileModelStore(join(dir, 'models-store'));
    const state = await store.loadVersionState(MODEL, 2);
    const served = await unary(pools.getPool.bind(pools), { pool: { modelId: MODEL, tenant: '' }, version: 0, modelVersion: 2 });
    expect(served.info!.modelVersion).toBe(2);
    expect(served.info!.spec).toEqual({ poolSize: 4, promptLength: 2, topN: 2, hiddenSize: 384, seed: (3 ^ 0x12f) >>> 0, method: 'l2p' });
    expect(fromWire(aligned(served.keys!), { expectDtype: 'float32' }).data).toEqual(state.params.get(POOL_PARAMS.keys).data);
    expect(fromWire(aligned(served.prompts!), { expectDtype: 'float32' }).data).toEqual(state.params.get(POOL_PARAMS.prompts).data);

    const predicted = await unary(encoder.predict.bind(encoder), {
      model: { modelId: MODEL, version: 2 },
      inputs: QUERIES.map(text),
      topK: 1,
    });
    expect(predicted.servedBy).toEqual({ modelId: MODEL, version: 2 });
    // The trainer-side strategy on the same version and texts.
    const runtime = await buildModelRuntime(await store.getModel(MODEL), await testExecutor(), MODELS_DIR);
    runtime.strategy.restoreState(state);
    const inputs: Input[] = QUERIES.map(text);
    const classes = await runtime.strategy.predict(await runtime.featurizer.featurize(inputs), {
      tokens: runtime.featurizer.tokenize(inputs),
    });
    const labels = (await store.getVersion(MODEL, 2)).labels;
    expect(predicted.predictions.map((p) => p.scores[0]!.label)).toEqual([...classes].map((c) => labels[c]));
    for (const p of predicted.predictions) expect(p.scores[0]!.probability).toBe(1);
  }, 120_000);

  it.each([
    [
      'dual-prompt',
      { gStart: '4', gEnd: '5', eStart: '5', eEnd: '6', gLength: '2', eLength: '2', maxTokens: '16', 'batch-size': '2' },
      'g_prompt',
    ],
    ['coda-prompt', { start: '4', end: '6', length: '2', components: '2', maxTokens: '16', 'batch-size': '2' }, 'attention'],
  ])(
    '%s: publishes each version’s prefix pool, and Predict prompts with the served one',
    async (name, options, sharedName) => {
      const { trainer, encoder, pools } = await start(['trainer', 'encoder', 'prompt-pool']);
      await train(trainer, { name, options });
      const ref = { modelId: MODEL, tenant: '' };
      for (let i = 0; i < 400; i++) {
        if (
          await unary(pools.getPool.bind(pools), { pool: ref, version: 0, modelVersion: 2 }).then(
            () => true,
            () => false,
          )
        )
          break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const store = new FileModelStore(join(dir, 'models-store'));
      const record = await store.getModel(MODEL);
      const state = await store.loadVersionState(MODEL, 2);
      const own = poolOfState(record, state)!;
      const served = await unary(pools.getPool.bind(pools), { pool: ref, version: 0, modelVersion: 2 });
      // One experience: one E-prompt (1 layer × key and value × 2 rows), or 2 components (2 layers).
      expect(served.info!.spec).toEqual({
        poolSize: name === 'dual-prompt' ? 1 : 2,
        promptLength: name === 'dual-prompt' ? 4 : 8,
        topN: name === 'dual-prompt' ? 1 : 2,
        hiddenSize: 384,
        seed: 3,
        method: name,
      });
      expect(fromWire(aligned(served.prompts!), { expectDtype: 'float32' }).data).toEqual(own.prompts);
      expect(fromWire(aligned(served.keys!), { expectDtype: 'float32' }).data).toEqual(own.keys);
      expect(served.shared.map((t) => t.name)).toEqual([sharedName]);
      expect(fromWire(aligned(served.shared[0]!.value!), { expectDtype: 'float32' }).data).toEqual(own.shared.get(sharedName)!.data);

      // Another writer changes the pool the service holds for version 2 (prompts and shared tensor
      // scaled, the first scale that changes a prediction): the encoder must predict with that pool.
      const runtime = await buildModelRuntime(record, await testExecutor(), MODELS_DIR);
      const inputs: Input[] = QUERIES.map(text);
      const featurized = await runtime.featurizer.featurize(inputs);
      const tokens = runtime.featurizer.tokenize(inputs);
      const predictWith = async (s: typeof state): Promise<number[]> => {
        runtime.strategy.restoreState(s);
        return [...(await runtime.strategy.predict(featurized, { tokens }))];
      };
      const ownClasses = await predictWith(state);
      let changed: ServedPoolValues | undefined;
      let changedClasses: number[] = [];
      for (const factor of [3, -3, 10, -10, 30, -30, 100, -100, 1000, -1000]) {
        const scaled = (v: Float32Array) => Float32Array.from(v, (x) => x * factor);
        const candidate = {
          prompts: scaled(own.prompts),
          keys: own.keys,
          shared: new Map([...own.shared].map(([k, t]) => [k, { shape: t.shape, data: scaled(t.data) }])),
        };
        changedClasses = await predictWith(withPool(name, state, candidate, 'test'));
        if (changedClasses.join() !== ownClasses.join()) {
          changed = candidate;
          break;
        }
      }
      // Without a change that matters this test could not tell the two pools apart.
      expect(changed).toBeDefined();
      await unary(pools.applyUpdate.bind(pools), {
        pool: ref,
        baseVersion: served.info!.version,
        prompts: toWire(tensor('float32', [own.spec.poolSize, own.spec.promptLength, 384], changed!.prompts)),
        keys: toWire(tensor('float32', [own.spec.poolSize, 384], changed!.keys)),
        selectionCountDeltas: [],
        modelVersion: 2,
        shared: [...changed!.shared].map(([k, t]) => ({ name: k, value: toWire(tensor('float32', [...t.shape], t.data)) })),
      });
      const predicted = await unary(encoder.predict.bind(encoder), { model: { modelId: MODEL, version: 2 }, inputs, topK: 1 });
      const labels = (await store.getVersion(MODEL, 2)).labels;
      expect(predicted.predictions.map((p) => p.scores[0]!.label)).toEqual(changedClasses.map((c) => labels[c]));
    },
    120_000,
  );

  it('rejects bad input with INVALID_ARGUMENT or NOT_FOUND naming the problem', async () => {
    // Trained without a prompt-pool service: no pool is published for its versions.
    let c = await start(['trainer', 'encoder']);
    await train(c.trainer);
    const noText = await failure(
      unary(c.encoder.predict.bind(c.encoder), { model: { modelId: MODEL, version: 2 }, inputs: [features([1, 2, 3])], topK: 1 }),
    );
    expect(noText.kind).toBe('invalid-argument');
    expect(noText.message).toContain('input 0: this model takes text, got features');
    const badSample = await failure(
      unary(c.trainer.ingest.bind(c.trainer), {
        modelId: MODEL,
        samples: [
          {
            sample: { sampleId: 'x', label: 'food', input: features([1]), metadata: {} },
            experience: { modelId: MODEL, experienceIndex: 1 },
          },
        ],
      }),
    );
    expect(badSample.kind).toBe('invalid-argument');
    expect(badSample.message).toContain('this model takes text, got features');
    const badOptions = await failure(
      unary(c.trainer.createModel.bind(c.trainer), {
        modelId: 'bad',
        spec: {
          base: 'all-MiniLM-L6-v2',
          scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
          strategy: { name: 'l2p', options: { size: '2', select: '3' } },
          labels: [],
          seed: 1,
        },
      }),
    );
    expect(badOptions.kind).toBe('invalid-argument');
    expect(badOptions.message).toContain('l2p: option select (3) must not exceed size (2)');
    await stop();

    // The encoder now reads pools from the service, which holds none for these versions.
    c = await start(['encoder', 'prompt-pool']);
    const unpublished = await failure(
      unary(c.encoder.predict.bind(c.encoder), { model: { modelId: MODEL, version: 2 }, inputs: [text('is it windy')], topK: 1 }),
    );
    expect(unpublished.kind).toBe('not-found');
    expect(unpublished.message).toContain(`model '${MODEL}' version 2 has no prompt pool in the prompt-pool service`);
    const noVersion = await failure(
      unary(c.pools.getPool.bind(c.pools), { pool: { modelId: MODEL, tenant: '' }, version: 0, modelVersion: 9 }),
    );
    expect(noVersion.kind).toBe('not-found');
    expect(noVersion.message).toContain(`pool '${MODEL}/_default' does not exist`);
  }, 120_000);
});
