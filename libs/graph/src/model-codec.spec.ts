import { describe, expect, it } from 'vitest';
import { Attr } from './attributes.js';
import { onnxDTypeCode } from './onnx-dtype.js';
import { ModelFormatError } from './errors.js';
import { AttributeProto_AttributeType, ModelProto, TensorProto, TensorProto_DataLocation } from './generated/onnx/onnx.js';
import { createGraph, type Model } from './ir.js';
import { decodeModel, encodeModel } from './model-codec.js';
import { createTensor } from './tensor-value.js';

const INT64_MAX = 2n ** 63n - 1n;

function sampleModel(): Model {
  const graph = createGraph('sample');
  graph.inputs.push({ name: 'x', dtype: 'float32', shape: ['batch', 4] }, { name: 'ids', dtype: 'int64', shape: ['', 3] });
  graph.outputs.push({ name: 'y', dtype: 'float32', shape: undefined });
  graph.valueInfo.push({ name: 'h', dtype: 'float32', shape: ['batch', 2] });
  graph.initializers.set('w', createTensor('float32', [4, 2], [1, -2, 3.5, 4, 5, 6, 7, Number.NaN]));
  graph.initializers.set('ends', createTensor('int64', [2], [INT64_MAX, -3n]));
  graph.initializers.set('flags', createTensor('bool', [3], [true, false, true]));
  graph.initializers.set('half', createTensor('float16', [2], [0x3c00, 0xc000]));
  graph.initializers.set('d', createTensor('float64', [], [Math.PI]));
  graph.initializers.set('i8', createTensor('int8', [2], [-128, 127]));
  graph.initializers.set('empty', createTensor('int32', [0, 3], []));
  graph.nodes.push(
    {
      name: 'mm',
      opType: 'MatMul',
      domain: '',
      inputs: ['x', 'w'],
      outputs: ['h'],
      attributes: {},
    },
    {
      name: 'kitchen_sink',
      opType: 'Custom',
      domain: 'mneme.test',
      inputs: ['h', '', 'ids'],
      outputs: ['y', ''],
      attributes: {
        i: Attr.int(-7),
        big: Attr.ints([Number(INT64_MAX), 1, -1]),
        f: Attr.float(0.25),
        s: Attr.string('héllo'),
        fs: Attr.floats([1.5, -2]),
        ss: Attr.strings(['a', '']),
        t: Attr.tensor(createTensor('int32', [2], [3, 4])),
      },
    },
  );
  return {
    irVersion: 9,
    opsetImports: [
      { domain: '', version: 17 },
      { domain: 'mneme.test', version: 1 },
    ],
    producerName: 'test',
    producerVersion: '1.0',
    metadata: { purpose: 'round trip' },
    graph,
  };
}

describe('decodeModel / encodeModel', () => {
  it('round-trips a model with every attribute kind, dtype and dim form', () => {
    const model = sampleModel();
    const bytes = encodeModel(model);
    const decoded = decodeModel(bytes);
    expect(decoded).toEqual(model);
    expect(encodeModel(decoded)).toEqual(bytes);
  });

  it('writes initializers as little-endian raw data and int64 sentinels exactly', () => {
    const proto = ModelProto.decode(encodeModel(sampleModel()));
    const ends = proto.graph!.initializer.find((t) => t.name === 'ends')!;
    expect(ends.rawData).toEqual(new Uint8Array([255, 255, 255, 255, 255, 255, 255, 127, 253, 255, 255, 255, 255, 255, 255, 255]));
    const big = proto.graph!.node[1]!.attribute.find((a) => a.name === 'big')!;
    expect(big.ints).toEqual([INT64_MAX, 1n, -1n]);
  });

  it('reads the typed data fields (float_data, int64_data, int32_data, double_data, uint64_data)', () => {
    const tensors = [
      TensorProto.create({ name: 'f', dataType: onnxDTypeCode('float32'), dims: [2n], floatData: [1.5, -2] }),
      TensorProto.create({ name: 'l', dataType: onnxDTypeCode('int64'), dims: [2n], int64Data: [INT64_MAX, -5n] }),
      TensorProto.create({ name: 'b', dataType: onnxDTypeCode('bool'), dims: [3n], int32Data: [1, 0, 1] }),
      TensorProto.create({ name: 'h', dataType: onnxDTypeCode('float16'), dims: [1n], int32Data: [0x3c00] }),
      TensorProto.create({ name: 'd', dataType: onnxDTypeCode('float64'), dims: [1n], doubleData: [0.1] }),
      TensorProto.create({ name: 'u', dataType: onnxDTypeCode('uint32'), dims: [1n], uint64Data: [4000000000n] }),
    ];
    const bytes = ModelProto.encode(
      ModelProto.create({ irVersion: 8n, opsetImport: [{ domain: '', version: 17n }], graph: { name: 'g', initializer: tensors } }),
    ).finish();
    const init = decodeModel(bytes).graph.initializers;
    expect(init.get('f')!.data).toEqual(new Float32Array([1.5, -2]));
    expect(init.get('l')!.data).toEqual(new BigInt64Array([INT64_MAX, -5n]));
    expect(init.get('b')!.data).toEqual(new Uint8Array([1, 0, 1]));
    expect(init.get('h')!.data).toEqual(new Uint16Array([0x3c00]));
    expect(init.get('d')!.data).toEqual(new Float64Array([0.1]));
    expect(init.get('u')!.data).toEqual(new Uint32Array([4000000000]));
  });

  it('rejects bytes that are not a model, and element counts that do not match dims', () => {
    expect(() => decodeModel(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(ModelFormatError);
    const bad = ModelProto.encode(
      ModelProto.create({
        graph: { initializer: [TensorProto.create({ name: 'w', dataType: onnxDTypeCode('float32'), dims: [3n], floatData: [1] })] },
      }),
    ).finish();
    expect(() => decodeModel(bad)).toThrow(/Tensor 'w' holds 1 elements, its dims \[3\] need 3/);
  });

  it('rejects unsupported features instead of dropping them', () => {
    const withGraphAttr = ModelProto.encode(
      ModelProto.create({
        graph: {
          node: [{ name: 'if', opType: 'If', attribute: [{ name: 'then_branch', type: AttributeProto_AttributeType.GRAPH, g: {} }] }],
        },
      }),
    ).finish();
    expect(() => decodeModel(withGraphAttr)).toThrow(/attribute 'then_branch' of node 'if' has unsupported type GRAPH/);
    const withFunction = ModelProto.encode(ModelProto.create({ graph: {}, functions: [{ name: 'f' }] })).finish();
    expect(() => decodeModel(withFunction)).toThrow(/functions are not supported/);
    const external = ModelProto.encode(
      ModelProto.create({
        graph: {
          initializer: [
            TensorProto.create({
              name: 'w',
              dataType: onnxDTypeCode('float32'),
              dims: [1n],
              dataLocation: TensorProto_DataLocation.EXTERNAL,
              externalData: [{ key: 'location', value: 'w.bin' }],
            }),
          ],
        },
      }),
    ).finish();
    expect(() => decodeModel(external)).toThrow(/uses external data; load the model from a file/);
  });
});

describe('node names', () => {
  it('gives unnamed nodes unique names that avoid existing ones', () => {
    const bytes = ModelProto.encode(
      ModelProto.create({
        graph: {
          node: [
            { opType: 'Relu', input: ['x'], output: ['a'] },
            { name: 'Relu_0', opType: 'Relu', input: ['a'], output: ['b'] },
          ],
        },
      }),
    ).finish();
    const names = decodeModel(bytes).graph.nodes.map((n) => n.name);
    expect(names[1]).toBe('Relu_0');
    expect(names[0]).not.toBe('Relu_0');
    expect(names[0]).toMatch(/^Relu_0/);
  });
});
