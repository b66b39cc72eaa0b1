import { InvalidArgumentError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { encodeSafetensors, parseSafetensors } from './safetensors.js';

/** Builds a safetensors file by hand: header JSON (unpadded) + data bytes. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

const f32Bytes = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

describe('parseSafetensors', () => {
  it('reads F32 tensors, metadata and entries from hand-built bytes (unaligned data section)', () => {
    const file = parseSafetensors(
      rawFile(
        {
          __metadata__: { format: 'pt' },
          a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
          b: { dtype: 'F32', shape: [], data_offsets: [16, 20] },
        },
        f32Bytes([1, 2, 3, 4, -0.5]),
      ),
    );
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...file.entries.keys()]).toEqual(['a', 'b']);
    expect(file.entries.get('a')!.shape).toEqual([2, 2]);
    expect([...file.float32('a')]).toEqual([1, 2, 3, 4]);
    expect([...file.float32('b')]).toEqual([-0.5]);
    expect(file.bytes('b')).toEqual(f32Bytes([-0.5]));
  });

  it('widens F16 and BF16 exactly and rounds F64', () => {
    const data = new Uint8Array(4 + 4 + 16);
    const v = new DataView(data.buffer);
    v.setUint16(0, 0x3c00, true); // f16 1.0
    v.setUint16(2, 0xc000, true); // f16 -2.0
    v.setUint16(4, 0x3fc0, true); // bf16 1.5
    v.setUint16(6, 0x4049, true); // bf16 3.140625
    v.setFloat64(8, 0.1, true);
    v.setFloat64(16, -7, true);
    const file = parseSafetensors(
      rawFile(
        {
          h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
          b: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] },
          d: { dtype: 'F64', shape: [2], data_offsets: [8, 24] },
        },
        data,
      ),
    );
    expect([...file.float32('h')]).toEqual([1, -2]);
    expect([...file.float32('b')]).toEqual([1.5, 3.140625]);
    expect([...file.float32('d')]).toEqual([Math.fround(0.1), -7]);
  });

  it('round-trips encodeSafetensors for F32, F16 and BF16', () => {
    const data = Float32Array.from([0, 1, -2.5, 65504, 1e-3]);
    const bytes = encodeSafetensors(
      new Map([
        ['x', { shape: [5], data }],
        ['y', { dtype: 'F16' as const, shape: [5], data }],
        ['z', { dtype: 'BF16' as const, shape: [1, 5], data }],
      ]),
      { format: 'pt' },
    );
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const file = parseSafetensors(bytes);
    expect(file.float32('x')).toEqual(data);
    expect([...file.float32('y')].map((x) => Number(x.toPrecision(3)))).toEqual([0, 1, -2.5, 65500, 0.001]);
    expect(file.entries.get('z')!.shape).toEqual([1, 5]);
    expect(Math.abs(file.float32('z')[4]! - 1e-3)).toBeLessThan(1e-5);
  });

  it('keeps non-float tensors readable as bytes but refuses to convert them', () => {
    const file = parseSafetensors(
      rawFile({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, new Uint8Array(new BigInt64Array([1n, 2n]).buffer)),
    );
    expect(file.bytes('ids').byteLength).toBe(16);
    expect(() => file.float32('ids')).toThrow(/dtype I64; only F32, F16, BF16 and F64 convert/);
    expect(() => file.float32('nope')).toThrow(/no tensor named 'nope'/);
  });

  it('rejects truncated files and impossible header lengths', () => {
    expect(() => parseSafetensors(new Uint8Array(3))).toThrow(/fewer than the 8-byte header length/);
    expect(() => parseSafetensors(rawFile({}, new Uint8Array(0), 1000n))).toThrow(/header length 1000 exceeds the file/);
    expect(() => parseSafetensors(rawFile({}, new Uint8Array(0), 2n ** 63n))).toThrow(InvalidArgumentError);
  });

  it('rejects headers that are not JSON objects', () => {
    expect(() => parseSafetensors(rawFile('{"a": '))).toThrow(/header is not valid UTF-8 JSON/);
    expect(() => parseSafetensors(rawFile('[1, 2]'))).toThrow(/header must be a JSON object/);
    const badUtf8 = rawFile('{}');
    badUtf8[9] = 0xff;
    expect(() => parseSafetensors(badUtf8)).toThrow(/not valid UTF-8 JSON/);
  });

  it('collects every bad entry into one error', () => {
    const make = () =>
      parseSafetensors(
        rawFile(
          {
            dtype: { dtype: 'F33', shape: [1], data_offsets: [0, 4] },
            shape: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] },
            offsets: { dtype: 'F32', shape: [1], data_offsets: [4] },
            reversed: { dtype: 'F32', shape: [0], data_offsets: [8, 4] },
            size: { dtype: 'F32', shape: [3], data_offsets: [0, 8] },
            beyond: { dtype: 'F32', shape: [4], data_offsets: [8, 24] },
          },
          new Uint8Array(8),
        ),
      );
    let error: unknown;
    try {
      make();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const problems = (error as InvalidArgumentError).problems;
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/tensor 'dtype' has unknown dtype "F33"/);
    expect(problems.join('\n')).toMatch(/tensor 'shape' has shape \[-1\]/);
    expect(problems.join('\n')).toMatch(/tensor 'offsets' has data_offsets \[4\]/);
    expect(problems.join('\n')).toMatch(/begin after end/);
    expect(problems.join('\n')).toMatch(/tensor 'size' has 8 bytes but F32 \[3\] needs 12/);
    expect(problems.join('\n')).toMatch(/tensor 'beyond' ends at byte 24 of the data section, which has only 8 bytes/);
  });

  it('rejects overlapping tensors', () => {
    const header = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } };
    expect(() => parseSafetensors(rawFile(header, new Uint8Array(12)))).toThrow(/tensors 'a' and 'b' overlap/);
  });

  it('rejects data that does not match the declared shape when encoding', () => {
    expect(() => encodeSafetensors({ x: { shape: [3], data: new Float32Array(2) } })).toThrow(/has 2 elements but shape \[3\] needs 3/);
  });
});
