/**
 * TFRecord framing, the container of TensorBoard event files (TensorFlow's record_writer and
 * "TFRecords format details"): each record is
 *
 *     uint64 length                  little-endian
 *     uint32 masked_crc32c(length)   of the 8 length bytes
 *     byte   data[length]
 *     uint32 masked_crc32c(data)
 *
 * where CRC32C is the Castagnoli CRC and the mask is ((crc >>> 15) | (crc << 17)) + 0xa282ead8
 * (mod 2^32), so that a CRC stored inside checksummed data does not checksum to a fixed value.
 */
import { crc32c } from '@aws-crypto/crc32c';
import { InvalidArgumentError } from '@mneme/errors';

const MASK_DELTA = 0xa282ead8;
const HEADER = 12;
const FOOTER = 4;

/** The masked CRC32C of `bytes`, as TFRecord stores it. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** `data` framed as one TFRecord. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + data.length + FOOTER);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, HEADER);
  view.setUint32(HEADER + data.length, maskedCrc32c(data), true);
  return out;
}

/**
 * The records of a TFRecord stream, each checked against both its CRCs.
 *
 * @throws InvalidArgumentError naming the record and offset of a truncated record or a CRC mismatch
 */
export function readTfRecords(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const where = `record ${records.length} at byte ${at}`;
    if (bytes.length - at < HEADER) throw new InvalidArgumentError(`${where}: truncated header (${bytes.length - at} of ${HEADER} bytes)`);
    const length = view.getBigUint64(at, true);
    if (view.getUint32(at + 8, true) !== maskedCrc32c(bytes.subarray(at, at + 8)))
      throw new InvalidArgumentError(`${where}: length CRC mismatch`);
    if (length > BigInt(bytes.length - at - HEADER - FOOTER))
      throw new InvalidArgumentError(`${where}: truncated data (length ${length}, ${bytes.length - at - HEADER} bytes left)`);
    const n = Number(length);
    const data = bytes.subarray(at + HEADER, at + HEADER + n);
    if (view.getUint32(at + HEADER + n, true) !== maskedCrc32c(data)) throw new InvalidArgumentError(`${where}: data CRC mismatch`);
    records.push(data);
    at += HEADER + n + FOOTER;
  }
  return records;
}
