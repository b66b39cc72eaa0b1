import { EVENT_SCHEMA_VERSION, TOPICS } from '@mneme/contracts';
import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from './event-codec.js';
import { newEventHeader } from './event-header.js';
import { ALL_EVENT_TOPICS, EVENT_TOPICS } from './event-topics.js';
import { samplesEvent, textOf } from './events.test-util.js';

describe('event envelopes', () => {
  it('has a codec for every topic in TOPICS', () => {
    expect(Object.keys(EVENT_TOPICS).sort()).toEqual(Object.keys(TOPICS).sort());
    expect([...ALL_EVENT_TOPICS].sort()).toEqual(Object.values(TOPICS).sort());
  });

  it('encodes with the model id as key and decodes back', () => {
    const event = samplesEvent('model-7', 'hi');
    const encoded = encodeEvent('samples', event);
    expect(encoded).toMatchObject({ topic: TOPICS.samples, key: 'model-7' });
    const decoded = decodeEvent('samples', encoded.value, encoded.key);
    expect(decoded.ok && textOf(decoded.event)).toBe('hi');
    expect(decoded.ok && decoded.header.eventId).toBe(event.header!.eventId);
  });

  it('makes headers with a UUID, the current schema version and a time', () => {
    const header = newEventHeader({ modelId: 'm', producer: 'trainer' });
    expect(header.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(header.schemaVersion).toBe(EVENT_SCHEMA_VERSION);
    expect(header.occurredAt).toBeInstanceOf(Date);
    expect(() => newEventHeader({ modelId: '', producer: 'p', eventId: 'has space' })).toThrow(/whitespace.*model_id is empty/);
  });

  it('reports an empty payload and a payload of another message type', () => {
    expect(decodeEvent('samples', new Uint8Array(), 'm')).toEqual({ ok: false, reason: expect.stringMatching(/empty payload/) });
    // Bytes of a valid ModelUpdatedEvent parse as a SamplesEvent header-wise, but this one has a wrong key.
    const other = encodeEvent('modelUpdated', { header: newEventHeader({ modelId: 'a', producer: 'p' }), reason: 'x' });
    expect(decodeEvent('samples', other.value, 'b')).toEqual({ ok: false, reason: expect.stringMatching(/differs from the message key/) });
  });
});
