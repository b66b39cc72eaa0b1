import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent, EVENT_FILE_VERSION } from './tensorboard-event.js';
import { readTfRecords, tfRecord } from './tfrecord.js';

/** An event file written by TensorBoard's own writer (see fixtures/README.md). */
const REFERENCE = readFileSync(new URL('./fixtures/tensorboard-2.21-writer.tfevents', import.meta.url));

describe('TensorBoard Event protos', () => {
  it('reads an event file written by TensorBoard itself (both CRCs of every record checked)', () => {
    const events = readTfRecords(REFERENCE).map(decodeEvent);
    expect(events).toHaveLength(4);
    // The writer's first event names the file version (its source_metadata field is skipped).
    expect(events[0]).toMatchObject({ step: 0, fileVersion: EVENT_FILE_VERSION });
    expect(events.slice(1)).toEqual([
      { wallTime: 1796689000.25, step: 1, scalars: [{ tag: 'train/loss', value: Math.fround(0.6931) }] },
      {
        wallTime: 1796689001.5,
        step: 20,
        scalars: [
          { tag: 'eval/accuracy/exp_0', value: Math.fround(0.995) },
          { tag: 'eval/accuracy/exp_1', value: 0 },
          { tag: 'eval/ACC', value: Math.fround(0.995) },
        ],
      },
      { wallTime: 1796689002.75, step: 300_000_000_000, scalars: [{ tag: 'eval/BWT', value: Math.fround(-0.3225) }] },
    ]);
  });

  it('encodes scalar events to the same bytes as TensorBoard, framed the same way', () => {
    const records = readTfRecords(REFERENCE);
    let offset = 16 + records[0]!.length;
    for (const record of records.slice(1)) {
      const framed = tfRecord(encodeEvent(decodeEvent(record)));
      expect(Buffer.from(framed).equals(REFERENCE.subarray(offset, offset + framed.length))).toBe(true);
      offset += framed.length;
    }
    expect(offset).toBe(REFERENCE.length);
  });

  it('writes the file version, and skips fields at their default value as protobuf does', () => {
    const event = { wallTime: 1796689000.5, step: 0, fileVersion: EVENT_FILE_VERSION };
    expect(decodeEvent(encodeEvent(event))).toEqual(event);
    expect(encodeEvent({ wallTime: 0, step: 0 })).toHaveLength(0);
  });
});
