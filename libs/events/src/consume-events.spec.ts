import { DeadLetterEvent, EVENT_SCHEMA_VERSION, SamplesEvent, TOPICS, type ModelUpdatedEvent } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { InMemoryAppliedEvents } from './applied-events.js';
import { consumeEvents, consumeEventsTogether, type EventContext } from './consume-events.js';
import { newEventHeader } from './event-header.js';
import { silentEventLogger } from './event-logger.js';
import { samplesEvent, textOf } from './events.test-util.js';
import { InProcessBus } from './in-process-bus.js';
import { publishEvent } from './publish-event.js';

const quiet = { logger: silentEventLogger };
const newBus = () => new InProcessBus({ retry: { initialMs: 1, maxMs: 5 }, ...quiet });

/** Collects every dead letter published on the bus. */
async function deadLetters(bus: InProcessBus): Promise<DeadLetterEvent[]> {
  const letters: DeadLetterEvent[] = [];
  await bus.subscribe(TOPICS.deadLetter, 'dlq-watch', async (m) => void letters.push(DeadLetterEvent.decode(m.value)));
  return letters;
}

describe('publishEvent + consumeEvents', () => {
  it('round-trips a typed event keyed by its model id', async () => {
    const bus = newBus();
    const got: { text: string; context: EventContext }[] = [];
    await consumeEvents(bus, 'samples', {
      group: 'trainer',
      ...quiet,
      handler: async (e, context) => void got.push({ text: textOf(e), context }),
    });
    const event = samplesEvent('model-a', 'hello');
    await publishEvent(bus, 'samples', event);
    await bus.whenIdle();
    expect(got).toHaveLength(1);
    expect(got[0]!.text).toBe('hello');
    expect(got[0]!.context).toMatchObject({
      topic: TOPICS.samples,
      key: 'model-a',
      attempt: 1,
      header: { eventId: event.header!.eventId },
    });
    await bus.close();
  });

  it('refuses to publish an event without a valid header, listing every problem', async () => {
    const bus = newBus();
    const event: ModelUpdatedEvent = { header: { eventId: '', schemaVersion: 9, producer: 'x', modelId: '', tenant: '' }, reason: 'r' };
    const error = await publishEvent(bus, 'modelUpdated', event).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).problems).toHaveLength(3);
    await expect(publishEvent(bus, 'modelUpdated', { reason: 'r' })).rejects.toThrow(/no header/);
    expect(bus.retained(TOPICS.modelUpdated)).toBe(0);
    await bus.close();
  });

  it('dead-letters a malformed payload with the reason and keeps consuming', async () => {
    const bus = newBus();
    const letters = await deadLetters(bus);
    const got: string[] = [];
    const counted: string[] = [];
    await consumeEvents(bus, 'samples', {
      group: 'trainer',
      ...quiet,
      onDeadLetter: (t, r) => void counted.push(`${t}:${r}`),
      handler: async (e) => void got.push(textOf(e)),
    });
    await publishEvent(bus, 'samples', samplesEvent('m', 'before'));
    const garbage = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]);
    await bus.publish(TOPICS.samples, 'm', garbage);
    await publishEvent(bus, 'samples', samplesEvent('m', 'after'));
    await bus.whenIdle();
    expect(got).toEqual(['before', 'after']);
    expect(letters).toHaveLength(1);
    expect(counted).toEqual(['samples:malformed']);
    expect(letters[0]).toMatchObject({
      sourceTopic: TOPICS.samples,
      sourcePartition: 0,
      sourceOffset: '1',
      key: new TextEncoder().encode('m'),
      payload: garbage,
      consumerGroup: 'trainer',
      header: { modelId: 'm', producer: 'trainer', schemaVersion: EVENT_SCHEMA_VERSION },
    });
    expect(letters[0]!.reason).toMatch(/not a valid mneme\.v1\.SamplesEvent/);
    await bus.close();
  });

  it.each([
    ['a wrong schema version', { schemaVersion: EVENT_SCHEMA_VERSION + 1 }, 'm', /schema_version is 2; this consumer reads version 1/],
    ['a model id that is not the key', { modelId: 'other' }, 'm', /model_id "other" differs from the message key "m"/],
    ['an empty event id', { eventId: '' }, 'm', /event_id is empty/],
    ['no key', {}, '', /has no key/],
  ])('dead-letters an event with %s', async (_what, override, key, reason) => {
    const bus = newBus();
    const letters = await deadLetters(bus);
    const got: string[] = [];
    await consumeEvents(bus, 'samples', { group: 'g', ...quiet, handler: async (e) => void got.push(textOf(e)) });
    const bad = samplesEvent('m', 'bad');
    bad.header = { ...bad.header!, ...override };
    await bus.publish(TOPICS.samples, key, SamplesEvent.encode(bad).finish());
    await publishEvent(bus, 'samples', samplesEvent('m', 'good'));
    await bus.whenIdle();
    expect(got).toEqual(['good']);
    expect(letters.map((l) => l.reason)).toEqual([expect.stringMatching(reason)]);
    await bus.close();
  });

  it('applies a redelivered or re-published event once (idempotence by event id)', async () => {
    const bus = newBus();
    const applied = new InMemoryAppliedEvents();
    const got: string[] = [];
    await consumeEvents(bus, 'samples', { group: 'g', applied, ...quiet, handler: async (e) => void got.push(textOf(e)) });
    const event = samplesEvent('m', 'once');
    await publishEvent(bus, 'samples', event);
    await publishEvent(bus, 'samples', event);
    await publishEvent(bus, 'samples', samplesEvent('m', 'other'));
    await bus.whenIdle();
    expect(got).toEqual(['once', 'other']);
    expect(await applied.has(event.header!.eventId)).toBe(true);
    await bus.close();
  });

  it('shares applied ids across a restart: a new consumer skips what the old one applied', async () => {
    const bus = newBus();
    const applied = new InMemoryAppliedEvents();
    const first: string[] = [];
    const sub = await consumeEvents(bus, 'samples', { group: 'g', applied, ...quiet, handler: async (e) => void first.push(textOf(e)) });
    const event = samplesEvent('m', 'x');
    await publishEvent(bus, 'samples', event);
    await bus.whenIdle();
    await sub.close();
    // The same event arrives again (a producer retry after a lost ack); the restarted consumer skips it.
    await publishEvent(bus, 'samples', event);
    const second: string[] = [];
    await consumeEvents(bus, 'samples', { group: 'g', applied, ...quiet, handler: async (e) => void second.push(textOf(e)) });
    await bus.whenIdle();
    expect(first).toEqual(['x']);
    expect(second).toEqual([]);
    await bus.close();
  });

  it('redelivers after a handler failure and marks the event applied only after success', async () => {
    const bus = newBus();
    const applied = new InMemoryAppliedEvents();
    const attempts: number[] = [];
    const event = samplesEvent('m', 'x');
    await consumeEvents(bus, 'samples', {
      group: 'g',
      applied,
      ...quiet,
      handler: async (_e, { attempt }) => {
        attempts.push(attempt);
        expect(await applied.has(event.header!.eventId)).toBe(false);
        if (attempt < 3) throw new Error('store unavailable');
      },
    });
    await publishEvent(bus, 'samples', event);
    await bus.whenIdle();
    expect(attempts).toEqual([1, 2, 3]);
    expect(await applied.has(event.header!.eventId)).toBe(true);
    await bus.close();
  });

  it('dead-letters at once when the handler rejects the event as invalid', async () => {
    const bus = newBus();
    const letters = await deadLetters(bus);
    let calls = 0;
    const counted: string[] = [];
    await consumeEvents(bus, 'samples', {
      group: 'g',
      ...quiet,
      onDeadLetter: (t, r) => void counted.push(`${t}:${r}`),
      handler: async () => {
        calls += 1;
        throw new InvalidArgumentError('label "?" is not in the model’s label set');
      },
    });
    await publishEvent(bus, 'samples', samplesEvent('m', 'x'));
    await bus.whenIdle();
    expect(calls).toBe(1);
    expect(letters.map((l) => l.reason)).toEqual(['rejected by the handler: label "?" is not in the model’s label set']);
    expect(counted).toEqual(['samples:rejected']);
    await bus.close();
  });

  it('dead-letters after maxAttempts failures when a bound is set', async () => {
    const bus = newBus();
    const letters = await deadLetters(bus);
    const got: string[] = [];
    const counted: string[] = [];
    await consumeEvents(bus, 'samples', {
      group: 'g',
      maxAttempts: 3,
      ...quiet,
      onDeadLetter: (t, r) => void counted.push(`${t}:${r}`),
      handler: async (e) => {
        if (textOf(e) === 'poison') throw new Error('boom');
        got.push(textOf(e));
      },
    });
    await publishEvent(bus, 'samples', samplesEvent('m', 'poison'));
    await publishEvent(bus, 'samples', samplesEvent('m', 'fine'));
    await bus.whenIdle();
    expect(got).toEqual(['fine']);
    expect(letters.map((l) => l.reason)).toEqual(['handler still failing after 3 attempts: boom']);
    expect(counted).toEqual(['samples:exhausted']);
    await bus.close();
  });

  it('never feeds a malformed dead letter back into the dead-letter topic', async () => {
    const bus = newBus();
    const got: DeadLetterEvent[] = [];
    await consumeEvents(bus, 'deadLetter', { group: 'ops', ...quiet, handler: async (e) => void got.push(e) });
    await bus.publish(TOPICS.deadLetter, 'm', Uint8Array.from([0xff, 0xff, 0xff]));
    const letter: DeadLetterEvent = {
      header: newEventHeader({ modelId: 'm', producer: 'test' }),
      sourceTopic: TOPICS.samples,
      sourcePartition: 0,
      sourceOffset: '7',
      key: new Uint8Array(),
      payload: new Uint8Array(),
      reason: 'r',
      consumerGroup: 'g',
    };
    await publishEvent(bus, 'deadLetter', letter);
    await bus.whenIdle();
    expect(got.map((l) => l.sourceOffset)).toEqual(['7']);
    expect(bus.retained(TOPICS.deadLetter)).toBe(0);
    await bus.close();
  });

  it("consumes several topics in one subscription, each message to its topic's handler", async () => {
    const bus = newBus();
    const got: string[] = [];
    const subscription = await consumeEventsTogether(
      bus,
      {
        samples: async (e, ctx) => void got.push(`samples:${ctx.key}:${textOf(e)}`),
        experienceClosed: async (e, ctx) => void got.push(`closed:${ctx.key}:${e.sampleCount}`),
      },
      { group: 'trainer', ...quiet },
    );
    expect(subscription.topic).toBe(`${TOPICS.samples}+${TOPICS.experienceClosed}`);
    await publishEvent(bus, 'samples', samplesEvent('m', 'one'));
    await publishEvent(bus, 'experienceClosed', {
      header: newEventHeader({ modelId: 'm', producer: 'test' }),
      experience: { modelId: 'm', experienceIndex: 0 },
      sampleCount: 1,
      dataUri: '',
    });
    await bus.whenIdle();
    expect(got.sort()).toEqual(['closed:m:1', 'samples:m:one']);
    await expect(consumeEventsTogether(bus, {}, { group: 'g' })).rejects.toThrow(/no topic handler/);
    await bus.close();
  });

  it('rejects bad options', async () => {
    const bus = newBus();
    await expect(consumeEvents(bus, 'samples', { group: '', maxAttempts: 0, handler: async () => undefined })).rejects.toThrow(
      /group is empty; maxAttempts must be at least 1/,
    );
    await bus.close();
  });
});
