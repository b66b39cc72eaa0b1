import { describe, expect, it } from 'vitest';
import { DType, DTYPES, dtypeFromName, dtypeInfo, dtypeName, isDType } from './dtype.js';

describe('dtype table', () => {
  it('maps every code to its name, size and typed array consistently', () => {
    for (const [name, code] of Object.entries(DType)) {
      const info = DTYPES[code];
      expect(info.name).toBe(name);
      expect(info.code).toBe(code);
      expect(dtypeFromName(name)).toBe(code);
      expect(dtypeName(code)).toBe(name);
      expect(new info.array(1).BYTES_PER_ELEMENT).toBe(info.byteSize);
    }
    expect(DType.float32).toBe(1);
    expect(DType.int64).toBe(7);
    expect(DType.bool).toBe(9);
    expect(Object.isFrozen(DTYPES)).toBe(true);
  });

  it('rejects unknown codes and names', () => {
    expect(isDType(8)).toBe(false);
    expect(() => dtypeInfo(8)).toThrow(/Unsupported ONNX element type 8/);
    expect(() => dtypeFromName('string')).toThrow(/Unknown dtype name 'string'/);
  });
});
