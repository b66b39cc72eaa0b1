import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import {
  type BusMessage,
  type ConsumerLag,
  type EventBus,
  type MessageHandler,
  type SubscribeOptions,
  type Subscription,
} from './event-bus.js';
import { defaultEventLogger, type EventLogger } from './event-logger.js';
import { backoffDelay, resolveRetryBackoff, sleep, type ResolvedRetryBackoff, type RetryBackoff } from './retry-backoff.js';

/** Options of {@link InProcessBus}. */
export interface InProcessBusOptions {
  /** Delay between redeliveries of a message whose handler failed. @default { initialMs: 100, maxMs: 10000 } */
  readonly retry?: RetryBackoff;
  /** Where failed deliveries are reported. @default defaultEventLogger (warnings on stderr) */
  readonly logger?: EventLogger;
}

// One ordered queue per key: the in-process counterpart of a Kafka partition (of which there is
// one per key here, so keys never wait behind each other).
interface Partition {
  readonly index: number;
  readonly key: string;
  /** Offset of messages[0]; grows as messages every group consumed are dropped. */
  base: number;
  readonly messages: Uint8Array[];
  /** Publishes waiting for persisting groups, by offset. */
  readonly waiting: Map<number, Durability>;
}

// A publish waiting until each persisting group has handled its message.
interface Durability {
  readonly groups: Set<string>;
  readonly resolve: () => void;
  readonly reject: (err: MnemeError) => void;
}

interface Member {
  readonly handler: MessageHandler;
  closed: boolean;
  readonly inFlight: Set<Promise<unknown>>;
}

interface Group {
  readonly name: string;
  /** Some member subscribed with `persists`: publishes wait for this group. */
  persists: boolean;
  readonly members: Member[];
  /** Next offset to deliver, per partition index; a missing entry means the partition's base. */
  readonly cursors: Map<number, number>;
  /** Partitions that have a delivery loop running for this group. */
  readonly workers: Set<number>;
}

interface Topic {
  readonly name: string;
  readonly partitions: Partition[];
  readonly byKey: Map<string, Partition>;
  readonly groups: Map<string, Group>;
}

/**
 * The embedded event bus: everything in one process, nothing on disk, same contract as
 * `KafkaBus`. Each key has its own ordered queue; every consumer group gets every message; within a
 * group each key's queue is served by one member at a time (key queues are spread over members);
 * a message is delivered again, after a backoff, until a handler resolves for it, and later
 * messages of the same key wait for it. A message is dropped once every group that has subscribed
 * to its topic has consumed it. Handlers never run inside `publish`. Messages live in memory only, so
 * `publish` resolves once every group subscribed with `persists` (the trainer, which fsyncs its
 * sample log) has handled the message: what was acknowledged survives a crash of the process.
 */
export class InProcessBus implements EventBus {
  readonly #topics = new Map<string, Topic>();
  readonly #retry: ResolvedRetryBackoff;
  readonly #logger: EventLogger;
  readonly #abort = new AbortController();
  readonly #workers = new Set<Promise<void>>();
  #idleWaiters: (() => void)[] = [];
  #closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.#retry = resolveRetryBackoff(options.retry);
    this.#logger = options.logger ?? defaultEventLogger;
  }

  publish(topic: string, key: string, value: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new InvalidArgumentError('the in-process bus is closed'));
    if (topic === '') return Promise.reject(new InvalidArgumentError('topic is empty'));
    const t = this.#topic(topic);
    let partition = t.byKey.get(key);
    if (partition === undefined) {
      partition = { index: t.partitions.length, key, base: 0, messages: [], waiting: new Map() };
      t.partitions.push(partition);
      t.byKey.set(key, partition);
    }
    // Copy: the publisher may reuse its buffer, and delivered bytes must not change under a handler.
    partition.messages.push(value.slice());
    const offset = partition.base + partition.messages.length - 1;
    const persisting = [...t.groups.values()].filter((g) => g.persists && g.members.length > 0).map((g) => g.name);
    const durable =
      persisting.length === 0
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => partition.waiting.set(offset, { groups: new Set(persisting), resolve, reject }));
    for (const group of t.groups.values()) this.#startWorker(t, group, partition);
    return durable;
  }

  subscribe(
    topic: string | readonly string[],
    group: string,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.#closed) return Promise.reject(new InvalidArgumentError('the in-process bus is closed'));
    const topics = typeof topic === 'string' ? [topic] : [...topic];
    const problems = [
      ...(topics.length === 0 ? ['no topic given'] : []),
      ...(topics.some((t) => t === '') ? ['topic is empty'] : []),
      ...(new Set(topics).size !== topics.length ? [`topics repeat: ${topics.join(', ')}`] : []),
      ...(group === '' ? ['consumer group is empty'] : []),
    ];
    if (problems.length > 0) return Promise.reject(new InvalidArgumentError(problems));
    if (topics.length === 1) return Promise.resolve(this.#subscribeOne(topics[0]!, group, handler, options));
    // Several topics: one member per topic. Nothing to co-partition here: a member alone in its
    // group (the embedded stack's one trainer) gets every key of every topic anyway.
    const parts = topics.map((t) => this.#subscribeOne(t, group, handler, options));
    return Promise.resolve({ topic: topics.join('+'), group, close: async () => void (await Promise.all(parts.map((p) => p.close()))) });
  }

  #subscribeOne(topic: string, group: string, handler: MessageHandler, options: SubscribeOptions): Subscription {
    const t = this.#topic(topic);
    let g = t.groups.get(group);
    if (g === undefined) {
      g = { name: group, persists: false, members: [], cursors: new Map(), workers: new Set() };
      if (options.fromBeginning === false) {
        for (const p of t.partitions) g.cursors.set(p.index, p.base + p.messages.length);
      }
      t.groups.set(group, g);
    }
    const member: Member = { handler, closed: false, inFlight: new Set() };
    g.members.push(member);
    if (options.persists === true) g.persists = true;
    for (const p of t.partitions) this.#startWorker(t, g, p);
    const members = g.members;
    const subscription: Subscription = {
      topic,
      group,
      close: async () => {
        if (member.closed) return;
        member.closed = true;
        const at = members.indexOf(member);
        if (at >= 0) members.splice(at, 1);
        await Promise.allSettled([...member.inFlight]);
        // Its queues now belong to the remaining members, if any.
        const tt = this.#topics.get(topic);
        const gg = tt?.groups.get(group);
        if (tt && gg && !this.#closed) for (const p of tt.partitions) this.#startWorker(tt, gg, p);
      },
    };
    return subscription;
  }

  /**
   * Resolves when no delivery is in progress or pending for any subscribed group (messages of
   * groups without members do not count). For tests and for an orderly embedded shutdown.
   */
  whenIdle(): Promise<void> {
    if (this.#workers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Messages retained on `topic` (not yet consumed by every group), for tests and diagnostics. */
  retained(topic: string): number {
    const t = this.#topics.get(topic);
    return t ? t.partitions.reduce((n, p) => n + p.messages.length, 0) : 0;
  }

  /** Per group with members and topic: messages the bus holds that the group has not handled yet (the one in hand included). */
  consumerLag(): Promise<readonly ConsumerLag[]> {
    const out: ConsumerLag[] = [];
    for (const t of this.#topics.values()) {
      for (const g of t.groups.values()) {
        if (g.members.length === 0) continue;
        const lag = t.partitions.reduce(
          (n, p) => n + Math.max(0, p.base + p.messages.length - Math.max(g.cursors.get(p.index) ?? p.base, p.base)),
          0,
        );
        out.push({ group: g.name, topic: t.name, lag });
      }
    }
    return Promise.resolve(out);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    for (const t of this.#topics.values()) {
      for (const g of t.groups.values()) for (const m of g.members.splice(0)) m.closed = true;
      for (const p of t.partitions) {
        for (const waiter of p.waiting.values())
          waiter.reject(new MnemeError('unavailable', 'the in-process bus closed before the message was durable; send it again'));
        p.waiting.clear();
      }
    }
    await Promise.allSettled([...this.#workers]);
  }

  #topic(name: string): Topic {
    let t = this.#topics.get(name);
    if (t === undefined) {
      t = { name, partitions: [], byKey: new Map(), groups: new Map() };
      this.#topics.set(name, t);
    }
    return t;
  }

  #startWorker(t: Topic, g: Group, p: Partition): void {
    if (this.#closed || g.workers.has(p.index) || g.members.length === 0) return;
    if ((g.cursors.get(p.index) ?? p.base) >= p.base + p.messages.length) return;
    g.workers.add(p.index);
    // A macrotask later, so a handler never runs inside the publish or subscribe that woke it.
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#deliverAll(t, g, p))
      .finally(() => {
        g.workers.delete(p.index);
        this.#workers.delete(run);
        // A member may have joined or a message arrived while this loop was finishing.
        this.#startWorker(t, g, p);
        if (this.#workers.size === 0) {
          const waiters = this.#idleWaiters;
          this.#idleWaiters = [];
          for (const wake of waiters) wake();
        }
      });
    this.#workers.add(run);
  }

  async #deliverAll(t: Topic, g: Group, p: Partition): Promise<void> {
    let attempt = 0;
    let lastOffset = -1;
    while (!this.#closed) {
      const offset = Math.max(g.cursors.get(p.index) ?? p.base, p.base);
      if (offset >= p.base + p.messages.length) return;
      // Partitions are spread over members by index; re-read every time as members come and go.
      const member = g.members[p.index % Math.max(1, g.members.length)];
      if (member === undefined) return;
      attempt = offset === lastOffset ? attempt + 1 : 1;
      lastOffset = offset;
      const message: BusMessage = {
        topic: t.name,
        partition: p.index,
        offset: String(offset),
        key: p.key,
        value: p.messages[offset - p.base]!,
        attempt,
      };
      const delivery = Promise.resolve().then(() => member.handler(message));
      member.inFlight.add(delivery);
      try {
        const outcome = await delivery;
        g.cursors.set(p.index, offset + 1);
        this.#settle(
          p,
          offset,
          g,
          outcome === undefined ? undefined : new InvalidArgumentError(`not accepted by ${g.name}: ${outcome.refused}`),
        );
        this.#trim(t, p);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        // A full disk stays RESOURCE_EXHAUSTED for the caller; any other failure is worth a retry.
        const kind = err instanceof MnemeError && err.kind === 'resource-exhausted' ? err.kind : 'unavailable';
        this.#settle(
          p,
          offset,
          g,
          new MnemeError(kind, `not yet durable: ${g.name} failed to handle it (${why}); it is retried, and sending it again is safe`, {
            cause: err,
          }),
        );
        const delay = backoffDelay(this.#retry, attempt);
        this.#logger.warn('event handler failed; delivering the message again', {
          topic: t.name,
          partition: p.index,
          offset: message.offset,
          attempt,
          retryInMs: delay,
          error: why,
        });
        await sleep(delay, this.#abort.signal);
      } finally {
        member.inFlight.delete(delivery);
      }
    }
  }

  /** Tells the publish waiting on `offset` that group `g` handled it (or why it did not). */
  #settle(p: Partition, offset: number, g: Group, failure: MnemeError | undefined): void {
    const waiter = p.waiting.get(offset);
    if (waiter === undefined || !waiter.groups.has(g.name)) return;
    if (failure !== undefined) {
      p.waiting.delete(offset);
      waiter.reject(failure);
      return;
    }
    waiter.groups.delete(g.name);
    if (waiter.groups.size > 0) return;
    p.waiting.delete(offset);
    waiter.resolve();
  }

  #trim(t: Topic, p: Partition): void {
    let consumed = Infinity;
    for (const g of t.groups.values()) consumed = Math.min(consumed, g.cursors.get(p.index) ?? p.base);
    const drop = consumed - p.base;
    if (drop > 0 && Number.isFinite(drop)) {
      p.messages.splice(0, drop);
      p.base += drop;
    }
  }
}
