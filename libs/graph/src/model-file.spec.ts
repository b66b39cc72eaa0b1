import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExternalDataError } from './errors.js';
import { ModelProto, TensorProto, TensorProto_DataLocation } from './generated/onnx/onnx.js';
import { onnxDTypeCode } from './onnx-dtype.js';
import { createGraph, type Model } from './ir.js';
import { loadModel, saveModel } from './model-file.js';
import { createTensor } from './tensor-value.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mneme-graph-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function modelWithWeights(): Model {
  const graph = createGraph();
  graph.inputs.push({ name: 'x', dtype: 'float32', shape: [1, 1000] });
  graph.initializers.set(
    'big',
    createTensor(
      'float32',
      [1000, 3],
      Float32Array.from({ length: 3000 }, (_, i) => i * 0.5),
    ),
  );
  graph.initializers.set(
    'big_ids',
    createTensor(
      'int64',
      [600],
      BigInt64Array.from({ length: 600 }, (_, i) => BigInt(i - 300)),
    ),
  );
  graph.initializers.set('small', createTensor('float32', [2], [1, 2]));
  graph.nodes.push({ name: 'mm', opType: 'MatMul', domain: '', inputs: ['x', 'big'], outputs: ['y'], attributes: {} });
  graph.outputs.push({ name: 'y', dtype: 'float32', shape: [1, 3] });
  return { irVersion: 8, opsetImports: [{ domain: '', version: 17 }], producerName: 'test', producerVersion: '', metadata: {}, graph };
}

/** Writes a model whose single initializer points at `location` in external data. */
function writeExternalModel(path: string, location: string, extra: { key: string; value: string }[] = []): void {
  const proto = ModelProto.create({
    irVersion: 8n,
    opsetImport: [{ domain: '', version: 17n }],
    graph: {
      name: 'g',
      initializer: [
        TensorProto.create({
          name: 'w',
          dataType: onnxDTypeCode('float32'),
          dims: [2n],
          dataLocation: TensorProto_DataLocation.EXTERNAL,
          externalData: [{ key: 'location', value: location }, ...extra],
        }),
      ],
    },
  });
  writeFileSync(path, ModelProto.encode(proto).finish());
}

describe('saveModel / loadModel', () => {
  it('round-trips inline models', async () => {
    const model = modelWithWeights();
    await saveModel(model, join(dir, 'inline.onnx'));
    expect(await loadModel(join(dir, 'inline.onnx'))).toEqual(model);
  });

  it('moves initializers above the threshold to external data and reads them back', async () => {
    const model = modelWithWeights();
    const path = join(dir, 'model.onnx');
    await saveModel(model, path, { externalDataThreshold: 1024 });
    const proto = ModelProto.decode(readFileSync(path));
    const byName = new Map(proto.graph!.initializer.map((t) => [t.name, t]));
    expect(byName.get('big')!.dataLocation).toBe(TensorProto_DataLocation.EXTERNAL);
    expect(byName.get('big')!.externalData).toEqual([
      { key: 'location', value: 'model.onnx.data' },
      { key: 'offset', value: '0' },
      { key: 'length', value: '12000' },
    ]);
    expect(byName.get('big_ids')!.externalData[1]).toEqual({ key: 'offset', value: '12288' });
    expect(byName.get('small')!.dataLocation).not.toBe(TensorProto_DataLocation.EXTERNAL);
    expect(byName.get('small')!.rawData).toHaveLength(8);
    expect(statSync(path).size).toBeLessThan(1024);
    expect(statSync(join(dir, 'model.onnx.data')).size).toBe(12288 + 4800);
    expect(await loadModel(path)).toEqual(model);
  });

  it('writes external data to a chosen file in a subfolder', async () => {
    mkdirSync(join(dir, 'weights'));
    const path = join(dir, 'm.onnx');
    await saveModel(modelWithWeights(), path, { externalDataThreshold: 0, externalDataFile: 'weights/all.bin' });
    expect(statSync(join(dir, 'weights', 'all.bin')).isFile()).toBe(true);
    expect(await loadModel(path)).toEqual(modelWithWeights());
  });

  it('rejects external data locations that escape the model directory', async () => {
    const inner = join(dir, 'inner');
    mkdirSync(inner);
    writeFileSync(join(dir, 'secret.bin'), new Uint8Array(8));
    writeExternalModel(join(inner, 'up.onnx'), '../secret.bin');
    await expect(loadModel(join(inner, 'up.onnx'))).rejects.toThrow(ExternalDataError);
    await expect(loadModel(join(inner, 'up.onnx'))).rejects.toThrow(/escapes the model directory/);
    writeExternalModel(join(inner, 'abs.onnx'), join(dir, 'secret.bin'));
    await expect(loadModel(join(inner, 'abs.onnx'))).rejects.toThrow(/must be a relative path/);
    symlinkSync(join(dir, 'secret.bin'), join(inner, 'link.bin'));
    writeExternalModel(join(inner, 'link.onnx'), 'link.bin');
    await expect(loadModel(join(inner, 'link.onnx'))).rejects.toThrow(/resolves outside the model directory/);
    await expect(
      saveModel(modelWithWeights(), join(inner, 'out.onnx'), { externalDataThreshold: 0, externalDataFile: '../out.data' }),
    ).rejects.toThrow(/escapes the model directory/);
  });

  it('rejects external ranges beyond the end of the data file', async () => {
    writeFileSync(join(dir, 'w.bin'), new Uint8Array(8));
    writeExternalModel(join(dir, 'ok.onnx'), 'w.bin', [{ key: 'offset', value: '0' }]);
    expect((await loadModel(join(dir, 'ok.onnx'))).graph.initializers.get('w')!.data).toEqual(new Float32Array(2));
    writeExternalModel(join(dir, 'far.onnx'), 'w.bin', [
      { key: 'offset', value: '4' },
      { key: 'length', value: '8' },
    ]);
    await expect(loadModel(join(dir, 'far.onnx'))).rejects.toThrow(/needs bytes 4\.\.12 of 'w\.bin', which has 8/);
  });
});
