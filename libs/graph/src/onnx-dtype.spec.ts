import { DTYPES } from '@mneme/tensor';
import { describe, expect, it } from 'vitest';
import { Attr, attrDType } from './attributes.js';
import { describeOnnxDTypes, dtypeFromOnnxCode, onnxDTypeCode } from './onnx-dtype.js';

describe('ONNX dtype codes', () => {
  it('maps every dtype to a distinct code and back', () => {
    const codes = DTYPES.map((d) => onnxDTypeCode(d));
    expect(new Set(codes).size).toBe(DTYPES.length);
    for (const d of DTYPES) expect(dtypeFromOnnxCode(onnxDTypeCode(d))).toBe(d);
  });

  it('uses the TensorProto.DataType numbers', () => {
    expect(onnxDTypeCode('float32')).toBe(1);
    expect(onnxDTypeCode('int64')).toBe(7);
    expect(onnxDTypeCode('bool')).toBe(9);
    expect(onnxDTypeCode('float64')).toBe(11);
    expect(onnxDTypeCode('uint64')).toBe(13);
  });

  it('knows nothing of unsupported codes (string, bfloat16) and says what is supported', () => {
    expect(dtypeFromOnnxCode(8)).toBeUndefined();
    expect(dtypeFromOnnxCode(16)).toBeUndefined();
    expect(dtypeFromOnnxCode(0)).toBeUndefined();
    expect(describeOnnxDTypes()).toMatch(/^float32 \(1\), uint8 \(2\), .*uint64 \(13\)$/);
  });
});

describe('dtype-valued attributes', () => {
  it('are int attributes holding the ONNX code, read back as names', () => {
    expect(Attr.dtype('int64')).toEqual({ type: 'int', value: 7 });
    const node = { name: 'cast', attributes: { to: Attr.dtype('float16'), bad: Attr.int(8) } };
    expect(attrDType(node, 'to')).toBe('float16');
    expect(attrDType(node, 'stash_type', 'float32')).toBe('float32');
    expect(() => attrDType(node, 'bad')).toThrow(/Attribute 'bad' of node 'cast' is element type 8; supported: float32 \(1\)/);
    expect(() => attrDType(node, 'missing')).toThrow(/missing required attribute 'missing'/);
  });
});
