import { describe, expect, it } from 'vitest';
import { maskedCrc32c, readTfRecords, tfRecord } from './tfrecord.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('TFRecord framing', () => {
  it('masks the Castagnoli CRC: rotate right by 15, add 0xa282ead8', () => {
    // CRC-32C("123456789") = 0xe3069283 (the check value of the Castagnoli polynomial).
    const crc = 0xe3069283;
    expect(maskedCrc32c(bytes('123456789'))).toBe((((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0);
  });

  it('frames records as length, masked CRC of the length, data, masked CRC of the data, and reads them back', () => {
    const records = [bytes('first'), new Uint8Array(0), bytes('a longer third record')];
    const stream = Buffer.concat(records.map(tfRecord));
    expect(stream.length).toBe(records.reduce((n, r) => n + 16 + r.length, 0));
    const first = tfRecord(records[0]!);
    const view = new DataView(first.buffer);
    expect(view.getBigUint64(0, true)).toBe(5n);
    expect(view.getUint32(8, true)).toBe(maskedCrc32c(first.subarray(0, 8)));
    expect(view.getUint32(17, true)).toBe(maskedCrc32c(records[0]!));
    expect(readTfRecords(stream).map((r) => Buffer.from(r).toString())).toEqual(['first', '', 'a longer third record']);
  });

  it('refuses a record whose length or data does not match its CRC, or that is cut short', () => {
    const good = tfRecord(bytes('payload'));
    const badData = good.slice();
    badData[14]! ^= 1;
    expect(() => readTfRecords(badData)).toThrow(/record 0 at byte 0: data CRC mismatch/);
    const badLength = good.slice();
    badLength[0] = 6;
    expect(() => readTfRecords(badLength)).toThrow(/length CRC mismatch/);
    expect(() => readTfRecords(Buffer.concat([good, good.subarray(0, good.length - 1)]))).toThrow(/record 1 at byte 23: truncated data/);
    expect(() => readTfRecords(good.subarray(0, 5))).toThrow(/truncated header/);
  });
});
