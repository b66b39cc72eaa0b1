/**
 * The part of TensorBoard's `Event` protobuf (tensorflow/core/util/event.proto) and `Summary`
 * (tensorflow/core/framework/summary.proto) that scalar logs use, encoded and decoded with the
 * protobuf wire runtime of @bufbuild/protobuf. Field numbers, from those files:
 *
 *     Event          { double wall_time = 1; int64 step = 2; oneof what { string file_version = 3; Summary summary = 5; ... } }
 *     Summary        { repeated Value value = 1; }
 *     Summary.Value  { string tag = 1; oneof value { float simple_value = 2; ... } }
 *
 * Fields other than these are skipped when decoding.
 */
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/** The version string TensorBoard's writers put in the first event of a file. */
export const EVENT_FILE_VERSION = 'brain.Event:2';

/** A scalar summary value: a tag and its float32 value. */
export interface ScalarValue {
  readonly tag: string;
  readonly value: number;
}

/** An Event as scalar logs write it: the file version, or a summary of scalars at a step. */
export interface TensorBoardEvent {
  /** Seconds since the epoch. */
  readonly wallTime: number;
  readonly step: number;
  readonly fileVersion?: string;
  /** Scalar values (`simple_value`) of the event's summary; values of other kinds are left out. */
  readonly scalars?: readonly ScalarValue[];
}

const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5 } as const;
const SUMMARY = { value: 1 } as const;
const VALUE = { tag: 1, simpleValue: 2 } as const;

/** The serialized Event. */
export function encodeEvent(event: TensorBoardEvent): Uint8Array {
  const w = new BinaryWriter();
  // proto3: fields at their default (0) are not written, as every protobuf runtime does.
  if (event.wallTime !== 0) w.tag(EVENT.wallTime, WireType.Bit64).double(event.wallTime);
  if (event.step !== 0) w.tag(EVENT.step, WireType.Varint).int64(event.step);
  if (event.fileVersion !== undefined) w.tag(EVENT.fileVersion, WireType.LengthDelimited).string(event.fileVersion);
  if (event.scalars !== undefined) {
    w.tag(EVENT.summary, WireType.LengthDelimited).fork();
    for (const s of event.scalars) {
      w.tag(SUMMARY.value, WireType.LengthDelimited).fork();
      w.tag(VALUE.tag, WireType.LengthDelimited).string(s.tag);
      w.tag(VALUE.simpleValue, WireType.Bit32).float(s.value);
      w.join();
    }
    w.join();
  }
  return w.finish();
}

/** Decodes a serialized Event (file version and scalar summaries; other fields skipped). */
export function decodeEvent(bytes: Uint8Array): TensorBoardEvent {
  const r = new BinaryReader(bytes);
  let wallTime = 0;
  let step = 0;
  let fileVersion: string | undefined;
  let scalars: ScalarValue[] | undefined;
  while (r.pos < r.len) {
    const [field, type] = r.tag();
    if (field === EVENT.wallTime && type === WireType.Bit64) wallTime = r.double();
    else if (field === EVENT.step && type === WireType.Varint) step = Number(r.int64());
    else if (field === EVENT.fileVersion && type === WireType.LengthDelimited) fileVersion = r.string();
    else if (field === EVENT.summary && type === WireType.LengthDelimited) scalars = [...(scalars ?? []), ...decodeSummary(r.bytes())];
    else r.skip(type, field);
  }
  return { wallTime, step, ...(fileVersion === undefined ? {} : { fileVersion }), ...(scalars === undefined ? {} : { scalars }) };
}

function decodeSummary(bytes: Uint8Array): ScalarValue[] {
  const r = new BinaryReader(bytes);
  const values: ScalarValue[] = [];
  while (r.pos < r.len) {
    const [field, type] = r.tag();
    if (field !== SUMMARY.value || type !== WireType.LengthDelimited) {
      r.skip(type, field);
      continue;
    }
    const v = new BinaryReader(r.bytes());
    let tag = '';
    let value: number | undefined;
    while (v.pos < v.len) {
      const [f, t] = v.tag();
      if (f === VALUE.tag && t === WireType.LengthDelimited) tag = v.string();
      else if (f === VALUE.simpleValue && t === WireType.Bit32) value = v.float();
      else v.skip(t, f);
    }
    if (value !== undefined) values.push({ tag, value });
  }
  return values;
}
