import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS, type DeadLetterEvent } from '@mneme/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryAppliedEvents, type AppliedEvents } from './applied-events.js';
import { consumeEvents } from './consume-events.js';
import { type Subscription } from './event-bus.js';
import { defaultEventLogger, silentEventLogger, type EventLogger } from './event-logger.js';
import { ALL_EVENT_TOPICS } from './event-topics.js';
import { eventually, samplesEvent, textOf } from './events.test-util.js';
import { FileAppliedEvents } from './file-applied-events.js';
import { BROKER_REQUIRED, brokerAnswers, SKIP_MESSAGE, TEST_BROKERS } from './kafka-test-broker.js';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
import { publishEvent } from './publish-event.js';

const available = await brokerAnswers();
if (!available) {
  if (BROKER_REQUIRED) throw new Error(SKIP_MESSAGE.replace('SKIPPED', 'REQUIRED but unavailable'));
  console.warn(SKIP_MESSAGE);
}

// Every run gets its own topics, so runs against a long-lived broker never see each other's events.
const PREFIX = `test-${randomUUID().slice(0, 8)}.`;
const TIMEOUT = 90_000;
// MNEME_EVENTS_DEBUG=1 shows what kafkajs and the bus do (joins, crashes, retries) on stderr.
const clientLogger: EventLogger = process.env['MNEME_EVENTS_DEBUG']
  ? { ...defaultEventLogger, info: defaultEventLogger.warn, debug: defaultEventLogger.warn }
  : silentEventLogger;
const busOptions: KafkaBusOptions = {
  brokers: TEST_BROKERS,
  topicPrefix: PREFIX,
  logger: clientLogger,
  retry: { initialMs: 50, maxMs: 500 },
  sessionTimeoutMs: 10_000,
  closeGraceMs: 1_000,
};

/** One message with `key` on each of the two co-partitioned topics. */
async function publishBoth(bus: KafkaBus, key: string): Promise<void> {
  await bus.publish(TOPICS.samples, key, new Uint8Array([1]));
  await bus.publish(TOPICS.experienceClosed, key, new Uint8Array([2]));
}

describe.skipIf(!available)(`KafkaBus on ${TEST_BROKERS.join(',')}`, () => {
  const buses: KafkaBus[] = [];
  const newBus = () => {
    const bus = new KafkaBus(busOptions);
    buses.push(bus);
    return bus;
  };
  let admin: KafkaBus;
  let dir = '';

  beforeAll(async () => {
    admin = newBus();
    await admin.ensureTopics(ALL_EVENT_TOPICS, { partitions: 3 });
    dir = await mkdtemp(join(tmpdir(), 'mneme-kafka-it-'));
  }, TIMEOUT);

  afterAll(async () => {
    await Promise.allSettled(buses.map((b) => b.close()));
    await admin?.deleteTopics(ALL_EVENT_TOPICS).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  }, TIMEOUT);

  it(
    'round-trips typed events keyed by model id, in order per model',
    async () => {
      const bus = newBus();
      const got: { text: string; key: string; partition: number }[] = [];
      await consumeEvents(bus, 'samples', {
        group: `roundtrip-${randomUUID()}`,
        logger: silentEventLogger,
        handler: async (e, ctx) => void got.push({ text: textOf(e), key: ctx.key, partition: ctx.partition }),
      });
      for (let i = 0; i < 5; i += 1)
        for (const model of ['model-a', 'model-b']) await publishEvent(bus, 'samples', samplesEvent(model, `${model}/${i}`));
      await eventually(() => got.length >= 10, '10 events', 60_000);
      for (const model of ['model-a', 'model-b']) {
        const mine = got.filter((g) => g.key === model);
        expect(mine.map((g) => g.text)).toEqual([0, 1, 2, 3, 4].map((i) => `${model}/${i}`));
        expect(new Set(mine.map((g) => g.partition)).size).toBe(1);
      }
    },
    TIMEOUT,
  );

  it(
    'one logical group may consume several topics: each subscription reads its own topic in full',
    async () => {
      const bus = newBus();
      const group = `shared-${randomUUID()}`;
      const tag = randomUUID().slice(0, 8);
      const samples: string[] = [];
      const closes: string[] = [];
      // Other tests wrote to these topics too (a new group starts at the beginning): keep this test's keys.
      await bus.subscribe(TOPICS.samples, group, async (m) => void (m.key.startsWith(tag) && samples.push(m.key)));
      await bus.subscribe(TOPICS.experienceClosed, group, async (m) => void (m.key.startsWith(tag) && closes.push(m.key)));
      for (let i = 0; i < 6; i += 1) {
        await bus.publish(TOPICS.samples, `${tag}-${i}`, new Uint8Array([i]));
        await bus.publish(TOPICS.experienceClosed, `${tag}-${i}`, new Uint8Array([i]));
      }
      await eventually(() => samples.length >= 6 && closes.length >= 6, 'both topics in full', 60_000);
      expect(samples.sort()).toEqual(closes.sort());
    },
    TIMEOUT,
  );

  it(
    'a co-partitioned subscription hands partition p of every topic to one member, reports assignments, and moves them when a member leaves',
    async () => {
      const group = `copart-${randomUUID()}`;
      const tag = randomUUID().slice(0, 8);
      // One key per partition, found with the producer's own hash.
      const keys = [0, 1, 2].map((p) => {
        for (let i = 0; ; i += 1) if (KafkaBus.partitionOf(`${tag}-${i}`, 3) === p) return `${tag}-${i}`;
      });
      const members = [0, 1].map(() => ({
        bus: newBus(),
        assigned: [] as number[][],
        got: [] as { topic: string; key: string; partition: number }[],
      }));
      const subscriptions: Subscription[] = [];
      for (const m of members) {
        subscriptions.push(
          await m.bus.subscribe(
            [TOPICS.samples, TOPICS.experienceClosed],
            group,
            async (msg) => void (msg.key.startsWith(tag) && m.got.push(msg)),
            {
              onAssigned: (ps) => void m.assigned.push([...ps]),
            },
          ),
        );
      }
      // Once both are in, their latest assignments split the three partitions between them.
      await eventually(
        () => members.every((m) => m.assigned.length > 0) && members.flatMap((m) => m.assigned.at(-1)!).length === 3,
        'a settled assignment',
        60_000,
      );
      const [a, b] = members.map((m) => m.assigned.at(-1)!);
      expect([...a!, ...b!].sort()).toEqual([0, 1, 2]);
      for (const key of keys) {
        await publishBoth(members[0]!.bus, key);
      }
      await eventually(() => members.flatMap((m) => m.got).length >= 6, 'both topics of every key', 60_000);
      for (const key of keys) {
        const owners = members.filter((m) => m.got.some((g) => g.key === key));
        expect(owners).toHaveLength(1); // both topics of a key at one member
        const got = owners[0]!.got.filter((g) => g.key === key);
        expect(got.map((g) => g.topic).sort()).toEqual([TOPICS.experienceClosed, TOPICS.samples].sort());
        expect(got.every((g) => g.partition === KafkaBus.partitionOf(key, 3))).toBe(true);
        expect(owners[0]!.assigned.at(-1)).toContain(KafkaBus.partitionOf(key, 3));
      }
      // The second member leaves: the first is told it owns everything.
      await subscriptions[1]!.close();
      await eventually(() => members[0]!.assigned.at(-1)!.length === 3, 'the survivor to own every partition', 60_000);
      // Topics of different partition counts cannot be co-partitioned: refused up front.
      const odd = `odd-${tag}`;
      await admin.ensureTopics([odd], { partitions: 2 });
      await expect(members[0]!.bus.subscribe([TOPICS.samples, odd], `${group}-odd`, async () => undefined)).rejects.toThrow(
        /same number of partitions.*3.*2/,
      );
      await admin.deleteTopics([odd]);
    },
    TIMEOUT * 2,
  );

  it(
    'commits only after the handler: a consumer killed before its commit gets the event again, and idempotence drops it',
    async () => {
      const group = `crash-${randomUUID()}`;
      const path = join(dir, 'crash.applied');
      const model = `model-${randomUUID().slice(0, 6)}`;
      const event = samplesEvent(model, 'applied-then-crashed');
      const eventId = event.header!.eventId;

      // Consumer 1 applies the event and records it durably, then "dies" before it can commit:
      // the applied-ids mark hangs after writing, and the consumer is closed from outside.
      const durable = await FileAppliedEvents.open(path);
      let markedDurably = false;
      const crashingAfterMark: AppliedEvents = {
        has: (id) => durable.has(id),
        mark: async (id) => {
          await durable.mark(id);
          if (id !== eventId) return;
          markedDurably = true;
          await new Promise<never>(() => undefined);
        },
        close: () => durable.close(),
      };
      const firstCalls: string[] = [];
      const bus1 = newBus();
      const first = await consumeEvents(bus1, 'samples', {
        group,
        applied: crashingAfterMark,
        logger: silentEventLogger,
        handler: async (e, ctx) => void (ctx.key === model && firstCalls.push(textOf(e))),
      });
      await publishEvent(bus1, 'samples', event);
      await eventually(() => markedDurably, 'the first consumer to apply the event', 60_000);
      await first.close();
      await bus1.close();
      await durable.close();

      // Consumer 2 (a restart: new client, same group, same applied-ids file) is handed the event
      // again because its offset was never committed, and skips it without calling the handler.
      const reopened = await FileAppliedEvents.open(path);
      const asked: string[] = [];
      const watching: AppliedEvents = {
        has: async (id) => {
          asked.push(id);
          return reopened.has(id);
        },
        mark: (id) => reopened.mark(id),
        close: () => reopened.close(),
      };
      const secondCalls: string[] = [];
      const bus2 = newBus();
      const second: Subscription = await consumeEvents(bus2, 'samples', {
        group,
        applied: watching,
        logger: silentEventLogger,
        handler: async (e, ctx) => void (ctx.key === model && secondCalls.push(textOf(e))),
      });
      await publishEvent(bus2, 'samples', samplesEvent(model, 'next'));
      await eventually(() => secondCalls.includes('next'), 'the restarted consumer to reach the next event', 60_000);
      expect(firstCalls).toEqual(['applied-then-crashed']);
      expect(asked).toContain(eventId);
      expect(secondCalls).toEqual(['next']);
      await second.close();
      await bus2.close();
      await reopened.close();

      // Consumer 3 in the same group with an empty applied set: everything before was committed,
      // so only a new marker event arrives.
      const thirdCalls: string[] = [];
      const bus3 = newBus();
      await consumeEvents(bus3, 'samples', {
        group,
        applied: new InMemoryAppliedEvents(),
        logger: silentEventLogger,
        handler: async (e, ctx) => void (ctx.key === model && thirdCalls.push(textOf(e))),
      });
      await publishEvent(bus3, 'samples', samplesEvent(model, 'marker'));
      await eventually(() => thirdCalls.includes('marker'), 'the marker event', 60_000);
      expect(thirdCalls).toEqual(['marker']);
    },
    TIMEOUT * 2,
  );

  it(
    'sends a malformed event to the dead-letter topic with the reason, and the stream goes on',
    async () => {
      const bus = newBus();
      const group = `dlq-${randomUUID()}`;
      const model = `model-${randomUUID().slice(0, 6)}`;
      const letters: DeadLetterEvent[] = [];
      await consumeEvents(bus, 'deadLetter', {
        group: `${group}-watch`,
        logger: silentEventLogger,
        // Every group that reads the bad message dead-letters it; this test watches its own group's.
        handler: async (e) => void (e.header!.modelId === model && e.consumerGroup === group && letters.push(e)),
      });
      const got: string[] = [];
      await consumeEvents(bus, 'samples', {
        group,
        logger: silentEventLogger,
        handler: async (e, ctx) => void (ctx.key === model && got.push(textOf(e))),
      });
      const garbage = Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
      await publishEvent(bus, 'samples', samplesEvent(model, 'before'));
      await bus.publish(TOPICS.samples, model, garbage);
      await publishEvent(bus, 'samples', samplesEvent(model, 'after'));
      await eventually(() => got.length >= 2 && letters.length >= 1, 'both good events and one dead letter', 60_000);
      expect(got).toEqual(['before', 'after']);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        sourceTopic: TOPICS.samples,
        sourceOffset: expect.stringMatching(/^\d+$/),
        key: new TextEncoder().encode(model),
        payload: garbage,
        consumerGroup: group,
      });
      expect(letters[0]!.reason).toMatch(/SamplesEvent/);
    },
    TIMEOUT,
  );
  it(
    'reports a group’s lag from the brokers: uncommitted messages per topic, down to 0 once handled; a bus without subscriptions reports none',
    async () => {
      const bus = newBus();
      // A topic of its own: the shared ones hold other tests' events, which a new group would count.
      const topic = `lag-${randomUUID().slice(0, 8)}`;
      await bus.ensureTopics([topic], { partitions: 2 });
      try {
        for (let i = 0; i < 5; i += 1) await bus.publish(topic, `key-${i}`, new Uint8Array([i]));
        let release: () => void = () => undefined;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let handled = 0;
        const group = `lag-${randomUUID()}`;
        await bus.subscribe(topic, group, async () => {
          await gate;
          handled += 1;
        });
        const lagOf = async () => (await bus.consumerLag()).find((l) => l.group === group && l.topic === topic)?.lag;
        // Nothing is committed while the first message waits at the gate: all five count.
        expect(await lagOf()).toBe(5);
        expect(await newBus().consumerLag()).toEqual([]);
        release();
        await eventually(() => handled >= 5, 'all five handled', 60_000);
        const deadline = Date.now() + 30_000;
        while ((await lagOf()) !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect(await lagOf()).toBe(0);
      } finally {
        await bus.deleteTopics([topic]);
      }
    },
    TIMEOUT,
  );
});
