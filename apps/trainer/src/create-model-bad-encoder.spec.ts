/**
 * A model's base names an encoder of the model store, which its user imported. When that encoder's
 * graph is damaged or is not the graph its manifest describes, CreateModel answers INVALID_ARGUMENT
 * naming the file and what is wrong with it (a graph library error, not an INTERNAL one), and reads
 * the store again on the next call once the user re-imports. A real tiny BERT imported into a real
 * store, a real trainer on a loopback gRPC server, real ONNX Runtime.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScenarioKind, TrainerServiceClient } from '@mneme/contracts';
import { importFolderToStore } from '@mneme/encoders';
import { writeTinyBertFolder } from '@mneme/models/testing';
import { unary } from '@mneme/rpc';
import { failure, removeDir, serve, tempDataDir, testDeps, type Served } from '@mneme/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainerService } from './trainer-service.js';

describe('trainer: CreateModel on a damaged encoder of the model store', () => {
  let dir: string;
  let trainer: Served<TrainerServiceClient>;
  let encoderFile: string;
  let good: Buffer;
  let created = 0;
  const createModel = () =>
    unary(trainer.client.createModel.bind(trainer.client), {
      modelId: `m${++created}`,
      spec: {
        base: 'tiny',
        scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
        strategy: { name: 'naive', options: {} },
        labels: ['a', 'b'],
        seed: 0,
      },
    });

  beforeAll(async () => {
    dir = await tempDataDir();
    await writeTinyBertFolder(join(dir, 'hf'), { seed: 3 });
    // The trainer's model store is `<data dir>/models` unless configured.
    const imported = await importFolderToStore({ from: join(dir, 'hf'), name: 'tiny', store: join(dir, 'models') });
    encoderFile = join(imported.dir, imported.manifest.files.encoder);
    good = await readFile(encoderFile);
    const deps = await testDeps(dir);
    trainer = await serve(await createTrainerService(deps), deps, TrainerServiceClient);
  });
  afterAll(async () => {
    await trainer?.stop();
    await removeDir(dir);
  });

  it('answers INVALID_ARGUMENT naming the file when encoder.onnx is cut short', async () => {
    // A copy that stopped half-way: no longer a whole ONNX message.
    await writeFile(encoderFile, good.subarray(0, good.length >> 1));
    const err = await failure(createModel());
    expect(err.kind).toBe('invalid-argument');
    expect(err.message).toMatch(/encoder\.onnx cannot be used \(re-import the model\): Not a valid ONNX model: \S/);
  });

  it('answers INVALID_ARGUMENT naming the file when encoder.onnx is another graph', async () => {
    // A well-formed ONNX model, but the embeddings graph: it lacks the encoder's weights.
    await writeFile(encoderFile, await readFile(join(dir, 'models', 'tiny', 'embeddings.onnx')));
    const err = await failure(createModel());
    expect(err.kind).toBe('invalid-argument');
    expect(err.message).toMatch(
      /encoder\.onnx cannot be used \(re-import the model\): Cannot build the BERT graph: missing weight 'encoder\.layer\.0\./,
    );
  });

  it('creates the model once the encoder is re-imported (the failed load is not kept)', async () => {
    await writeFile(encoderFile, good);
    const res = await createModel();
    expect(res.version?.model).toEqual({ modelId: `m${created}`, version: 1 });
  });
});
