import { describe, expect, it } from 'vitest';
import { type BusMessage } from './event-bus.js';
import { silentEventLogger } from './event-logger.js';
import { InProcessBus } from './in-process-bus.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (m: BusMessage) => new TextDecoder().decode(m.value);
const fastRetry = { retry: { initialMs: 1, maxMs: 5 }, logger: silentEventLogger };

describe('InProcessBus', () => {
  it('delivers every key in publish order, keys independently', async () => {
    const bus = new InProcessBus(fastRetry);
    const seen: Record<string, string[]> = {};
    await bus.subscribe('t', 'g', async (m) => {
      // Random small delays interleave keys; order within a key must survive them.
      await new Promise((r) => setTimeout(r, Math.random() * 3));
      (seen[m.key] ??= []).push(text(m));
    });
    for (let i = 0; i < 20; i += 1) for (const key of ['m1', 'm2', 'm3']) await bus.publish('t', key, bytes(`${key}-${i}`));
    await bus.whenIdle();
    for (const key of ['m1', 'm2', 'm3']) expect(seen[key]).toEqual(Array.from({ length: 20 }, (_, i) => `${key}-${i}`));
    await bus.close();
  });

  it('gives every consumer group every message and spreads keys over a group’s members', async () => {
    const bus = new InProcessBus(fastRetry);
    const a: string[] = [];
    const b1: string[] = [];
    const b2: string[] = [];
    await bus.subscribe('t', 'a', async (m) => void a.push(text(m)));
    await bus.subscribe('t', 'b', async (m) => void b1.push(text(m)));
    await bus.subscribe('t', 'b', async (m) => void b2.push(text(m)));
    for (const key of ['k0', 'k1', 'k2', 'k3']) await bus.publish('t', key, bytes(key));
    await bus.whenIdle();
    expect(a.sort()).toEqual(['k0', 'k1', 'k2', 'k3']);
    expect([...b1, ...b2].sort()).toEqual(['k0', 'k1', 'k2', 'k3']);
    expect(b1.length).toBeGreaterThan(0);
    expect(b2.length).toBeGreaterThan(0);
    await bus.close();
  });

  it('redelivers a message until its handler resolves, holding back later messages of the key', async () => {
    const bus = new InProcessBus(fastRetry);
    const log: string[] = [];
    let failures = 3;
    await bus.subscribe('t', 'g', async (m) => {
      log.push(`${text(m)}#${m.attempt}`);
      if (text(m) === 'first' && failures-- > 0) throw new Error('transient');
    });
    await bus.publish('t', 'k', bytes('first'));
    await bus.publish('t', 'k', bytes('second'));
    await bus.whenIdle();
    expect(log).toEqual(['first#1', 'first#2', 'first#3', 'first#4', 'second#1']);
    await bus.close();
  });

  it('never runs a handler inside publish', async () => {
    const bus = new InProcessBus(fastRetry);
    let inPublish = false;
    let ranInside = false;
    await bus.subscribe('t', 'g', async () => {
      ranInside ||= inPublish;
    });
    inPublish = true;
    await bus.publish('t', 'k', bytes('x'));
    inPublish = false;
    await bus.whenIdle();
    expect(ranInside).toBe(false);
    await bus.close();
  });

  it('starts a new group at the beginning by default, or at the end when asked', async () => {
    const bus = new InProcessBus(fastRetry);
    await bus.publish('t', 'k', bytes('old'));
    const early: string[] = [];
    const late: string[] = [];
    await bus.subscribe('t', 'early', async (m) => void early.push(text(m)));
    await bus.subscribe('t', 'late', async (m) => void late.push(text(m)), { fromBeginning: false });
    await bus.publish('t', 'k', bytes('new'));
    await bus.whenIdle();
    expect(early).toEqual(['old', 'new']);
    expect(late).toEqual(['new']);
    await bus.close();
  });

  it('keeps a message until every subscribed group consumed it, then drops it', async () => {
    const bus = new InProcessBus(fastRetry);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    await bus.subscribe('t', 'fast', async () => undefined);
    await bus.subscribe('t', 'slow', () => gate);
    await bus.publish('t', 'k', bytes('x'));
    await new Promise((r) => setTimeout(r, 20));
    expect(bus.retained('t')).toBe(1);
    release();
    await bus.whenIdle();
    expect(bus.retained('t')).toBe(0);
    await bus.close();
  });

  it('hands a closed member’s keys, including an unhandled message, to the remaining member', async () => {
    const bus = new InProcessBus(fastRetry);
    const got: string[] = [];
    const first = await bus.subscribe('t', 'g', async () => {
      throw new Error('this member cannot handle anything');
    });
    await bus.publish('t', 'k', bytes('x'));
    await new Promise((r) => setTimeout(r, 20));
    await bus.subscribe('t', 'g', async (m) => void got.push(text(m)));
    await first.close();
    await bus.whenIdle();
    expect(got).toEqual(['x']);
    await bus.close();
  });

  it('waits for a member’s in-flight handler when it closes', async () => {
    const bus = new InProcessBus(fastRetry);
    let finished = false;
    const sub = await bus.subscribe('t', 'g', async () => {
      await new Promise((r) => setTimeout(r, 30));
      finished = true;
    });
    await bus.publish('t', 'k', bytes('x'));
    await new Promise((r) => setTimeout(r, 5));
    await sub.close();
    expect(finished).toBe(true);
    await bus.close();
  });

  it('reports each group’s lag per topic: the messages it has not handled, the one in hand included', async () => {
    const bus = new InProcessBus(fastRetry);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await bus.subscribe('t', 'slow', async () => gate);
    await bus.subscribe('t', 'fast', async () => undefined);
    await bus.subscribe('u', 'slow', async () => gate);
    // Publishes resolve at once: no group persists.
    for (const key of ['k0', 'k0', 'k1']) await bus.publish('t', key, bytes(key));
    await bus.publish('u', 'k0', bytes('u'));
    await new Promise((r) => setTimeout(r, 20));
    const byGroup = async () => Object.fromEntries((await bus.consumerLag()).map((l) => [`${l.group}/${l.topic}`, l.lag]));
    expect(await byGroup()).toEqual({ 'slow/t': 3, 'fast/t': 0, 'slow/u': 1 });
    release();
    await bus.whenIdle();
    expect(await byGroup()).toEqual({ 'slow/t': 0, 'fast/t': 0, 'slow/u': 0 });
    await bus.close();
  });

  it('copies published bytes, so a reused buffer does not change a queued message', async () => {
    const bus = new InProcessBus(fastRetry);
    const got: string[] = [];
    await bus.subscribe('t', 'g', async (m) => void got.push(text(m)));
    const buffer = bytes('aaa');
    await bus.publish('t', 'k', buffer);
    buffer.set(bytes('bbb'));
    await bus.whenIdle();
    expect(got).toEqual(['aaa']);
    await bus.close();
  });

  it('rejects empty topics and groups, and use after close', async () => {
    const bus = new InProcessBus(fastRetry);
    await expect(bus.subscribe('', '', async () => undefined)).rejects.toThrow(/topic is empty; consumer group is empty/);
    await expect(bus.publish('', 'k', bytes('x'))).rejects.toThrow(/topic is empty/);
    await bus.close();
    await expect(bus.publish('t', 'k', bytes('x'))).rejects.toThrow(/closed/);
  });

  describe('publish waits for persisting groups', () => {
    it('resolves only after every persisting group handled the message; other groups do not hold it', async () => {
      const bus = new InProcessBus(fastRetry);
      const persisted: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      await bus.subscribe('t', 'slow-reader', () => new Promise<void>((r) => setTimeout(r, 200))); // still busy at the ack
      await bus.subscribe(
        't',
        'store',
        async (m) => {
          await gate;
          persisted.push(text(m));
        },
        { persists: true },
      );
      let acknowledged = false;
      const published = bus.publish('t', 'k', bytes('a')).then(() => void (acknowledged = true));
      await new Promise((r) => setTimeout(r, 20));
      expect(acknowledged).toBe(false);
      release();
      await published;
      expect(persisted).toEqual(['a']);
      await bus.close();
    });

    it('rejects with the reason when a persisting group refuses the message, and commits past it', async () => {
      const bus = new InProcessBus(fastRetry);
      const seen: string[] = [];
      await bus.subscribe('t', 'store', async (m) => (seen.push(text(m)), text(m) === 'bad' ? { refused: 'label missing' } : undefined), {
        persists: true,
      });
      await expect(bus.publish('t', 'k', bytes('bad'))).rejects.toMatchObject({
        kind: 'invalid-argument',
        message: expect.stringMatching(/not accepted by store: label missing/),
      });
      await bus.publish('t', 'k', bytes('good'));
      expect(seen).toEqual(['bad', 'good']);
      await bus.close();
    });

    it('rejects as unavailable when the handler fails, and still retries the message', async () => {
      const bus = new InProcessBus(fastRetry);
      let failures = 1;
      const persisted: string[] = [];
      await bus.subscribe(
        't',
        'store',
        async (m) => {
          if (failures-- > 0) throw new Error('disk busy');
          persisted.push(text(m));
        },
        { persists: true },
      );
      await expect(bus.publish('t', 'k', bytes('a'))).rejects.toMatchObject({
        kind: 'unavailable',
        message: expect.stringMatching(/disk busy.*sending it again is safe/),
      });
      await bus.whenIdle();
      expect(persisted).toEqual(['a']);
      await bus.close();
    });

    it('resolves at once when no persisting group has members, and rejects pending publishes on close', async () => {
      const bus = new InProcessBus(fastRetry);
      await bus.publish('t', 'k', bytes('nobody persists yet'));
      await bus.subscribe('t', 'store', () => new Promise<void>((r) => setTimeout(r, 50)), { persists: true });
      const pending = expect(bus.publish('t', 'k', bytes('slow'))).rejects.toMatchObject({
        kind: 'unavailable',
        message: expect.stringMatching(/closed before the message was durable/),
      });
      await new Promise((r) => setTimeout(r, 10));
      await bus.close();
      await pending;
    });
  });
});
