import { MnemeError, InvalidArgumentError } from '@mneme/errors';
import kafkajs, { type Admin, type EachBatchPayload, type KafkaMessage, type LogEntry, type Producer } from 'kafkajs';
import { coPartitionedAssigner } from './co-partitioned-assigner.js';
import {
  type BusMessage,
  type ConsumerLag,
  type EventBus,
  type MessageHandler,
  type SubscribeOptions,
  type Subscription,
} from './event-bus.js';
import { defaultEventLogger, type EventLogger } from './event-logger.js';
import { ALL_EVENT_TOPICS } from './event-topics.js';
import { kafkajsSecurity, type KafkaSecurity } from './kafka-security.js';
import { backoffDelay, resolveRetryBackoff, sleep, type ResolvedRetryBackoff, type RetryBackoff } from './retry-backoff.js';

// kafkajs is CommonJS: take its runtime values from the default export.
const { Kafka, Partitioners, logLevel: KafkaLogLevel } = kafkajs;

/** Options of {@link KafkaBus}. */
export interface KafkaBusOptions {
  /** Bootstrap brokers as `host:port` (services take them from MNEME_KAFKA_BROKERS). */
  readonly brokers: readonly string[];
  /** Client id reported to the brokers. @default 'mneme' */
  readonly clientId?: string;
  /**
   * Prepended to every topic name on the wire and stripped from delivered messages, so several
   * environments (or test runs) can share one cluster. Letters, digits, `.`, `_`, `-`.
   * @default ''
   */
  readonly topicPrefix?: string;
  /** Where failed deliveries and client problems are reported. @default defaultEventLogger */
  readonly logger?: EventLogger;
  /** Delay between redeliveries of a message whose handler failed. @default { initialMs: 100, maxMs: 10000 } */
  readonly retry?: RetryBackoff;
  /**
   * How long `close` lets an in-flight handler finish before abandoning its message (uncommitted,
   * so it is delivered again to the group), in milliseconds.
   * @default 10000
   */
  readonly closeGraceMs?: number;
  /** Consumer session timeout: a member silent for this long is evicted. @default 30000 */
  readonly sessionTimeoutMs?: number;
  /** Time to establish a connection to a broker, in milliseconds. @default 3000 */
  readonly connectionTimeoutMs?: number;
  /** Partitions of one subscription handled concurrently (order is per partition). @default 1 */
  readonly partitionsConsumedConcurrently?: number;
  /** How often kafkajs retries a failed request or connection before giving up. @default 5 */
  readonly clientRetries?: number;
  /** How long `subscribe` waits for the consumer to join its group, in milliseconds. @default 60000 */
  readonly joinTimeoutMs?: number;
  /**
   * How long `publish` waits for the brokers' acknowledgement before it answers UNAVAILABLE, in
   * milliseconds: during an outage a caller learns to retry well before a typical deadline, instead
   * of waiting on kafkajs' own retries. (The send may still land later; consumers drop repeats.)
   * @default 10000
   */
  readonly publishTimeoutMs?: number;
  /** TLS and SASL to the brokers (services load it with `loadKafkaSecurity`). @default plaintext, no SASL */
  readonly security?: KafkaSecurity;
}

/** How {@link KafkaBus.ensureTopics} creates missing topics. */
export interface EnsureTopicsOptions {
  /** Partitions of each new topic; consumers of one group scale up to this many. @default 3 */
  readonly partitions?: number;
  /** Replicas of each partition; 1 on the single-node test broker, 3 on a real cluster. @default 1 */
  readonly replicationFactor?: number;
}

interface ResolvedOptions {
  readonly brokers: string[];
  readonly clientId: string;
  readonly topicPrefix: string;
  readonly logger: EventLogger;
  readonly retry: ResolvedRetryBackoff;
  readonly closeGraceMs: number;
  readonly sessionTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly partitionsConsumedConcurrently: number;
  readonly clientRetries: number;
  readonly joinTimeoutMs: number;
  readonly publishTimeoutMs: number;
  readonly security: KafkaSecurity | undefined;
}

const HOST_PORT = /^[^\s:]+:\d{1,5}$/;
const TOPIC_PREFIX = /^[A-Za-z0-9._-]*$/;

function resolveOptions(options: KafkaBusOptions): ResolvedOptions {
  const problems: string[] = [];
  const brokers = [...options.brokers];
  if (brokers.length === 0) problems.push('brokers is empty; give at least one host:port (MNEME_KAFKA_BROKERS)');
  for (const b of brokers) if (!HOST_PORT.test(b)) problems.push(`broker "${b}" is not host:port`);
  const topicPrefix = options.topicPrefix ?? '';
  if (!TOPIC_PREFIX.test(topicPrefix)) problems.push(`topicPrefix "${topicPrefix}" may only hold letters, digits, ".", "_" and "-"`);
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!Number.isSafeInteger(v) || v <= 0) problems.push(`${name} must be a positive integer, got ${v}`);
    return v;
  };
  const closeGraceMs = positive('closeGraceMs', options.closeGraceMs, 10_000);
  const sessionTimeoutMs = positive('sessionTimeoutMs', options.sessionTimeoutMs, 30_000);
  const connectionTimeoutMs = positive('connectionTimeoutMs', options.connectionTimeoutMs, 3_000);
  const joinTimeoutMs = positive('joinTimeoutMs', options.joinTimeoutMs, 60_000);
  const publishTimeoutMs = positive('publishTimeoutMs', options.publishTimeoutMs, 10_000);
  const partitionsConsumedConcurrently = positive('partitionsConsumedConcurrently', options.partitionsConsumedConcurrently, 1);
  const clientRetries = options.clientRetries ?? 5;
  if (!Number.isSafeInteger(clientRetries) || clientRetries < 0)
    problems.push(`clientRetries must be an integer >= 0, got ${clientRetries}`);
  let retry: ResolvedRetryBackoff = { initialMs: 100, maxMs: 10_000 };
  try {
    retry = resolveRetryBackoff(options.retry);
  } catch (err) {
    if (err instanceof InvalidArgumentError) problems.push(...err.problems);
    else throw err;
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return {
    brokers,
    clientId: options.clientId ?? 'mneme',
    topicPrefix,
    logger: options.logger ?? defaultEventLogger,
    retry,
    closeGraceMs,
    sessionTimeoutMs,
    connectionTimeoutMs,
    partitionsConsumedConcurrently,
    clientRetries,
    joinTimeoutMs,
    publishTimeoutMs,
    security: options.security,
  };
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Turns a connection failure into the `unavailable` kind, which says "retry later" to callers. */
function unavailable(what: string, brokers: readonly string[], err: unknown): MnemeError {
  return new MnemeError('unavailable', `${what} failed: Kafka at ${brokers.join(',')} did not answer (${errorText(err)})`, {
    cause: err,
  });
}

/**
 * The event bus on Apache Kafka (kafkajs). Publishing uses one idempotent producer (acks from all
 * in-sync replicas, no duplicates from producer retries); every subscription is its own consumer
 * in its consumer group with auto-commit off: an offset is committed only after the handler
 * resolved for the message before it, so a consumer that dies mid-message gets it again.
 * A failing handler gets the same message again after a backoff (the consumer keeps heartbeating,
 * so retrying is not mistaken for death). Topics are never auto-created: call
 * {@link KafkaBus.ensureTopics} at start-up.
 */
export class KafkaBus implements EventBus {
  readonly #options: ResolvedOptions;
  readonly #kafka: InstanceType<typeof Kafka>;
  #producer: Promise<Producer> | undefined;
  readonly #subscriptions = new Set<Subscription>();
  /** What each live subscription's lag is read for: its logical group and topics, Kafka group id, start policy. */
  readonly #lagTargets = new Map<Subscription, { group: string; topics: readonly string[]; groupId: string; fromBeginning: boolean }>();
  /** The admin client lag is read with, connected on first use and kept (a scrape every few seconds). */
  #lagAdmin: Promise<Admin> | undefined;
  #closed = false;

  constructor(options: KafkaBusOptions) {
    this.#options = resolveOptions(options);
    const logger = this.#options.logger;
    this.#kafka = new Kafka({
      clientId: this.#options.clientId,
      brokers: this.#options.brokers,
      ...kafkajsSecurity(this.#options.security),
      connectionTimeout: this.#options.connectionTimeoutMs,
      retry: { retries: this.#options.clientRetries },
      logLevel: KafkaLogLevel.INFO,
      // kafkajs is chatty at INFO (joins, rebalances): that goes to debug; its warnings stay warnings.
      logCreator:
        () =>
        ({ level, namespace, log }: LogEntry) => {
          const { message, ...fields } = log;
          // Bounded producer retries are deliberate: a send that still fails rejects `publish`,
          // the caller re-publishes the same event id, and consumers drop the duplicate.
          if (message.startsWith('Limiting retries for the idempotent producer')) return;
          const write = level <= KafkaLogLevel.ERROR ? logger.error : level === KafkaLogLevel.WARN ? logger.warn : logger.debug;
          write(`kafkajs: ${message}`, { namespace, ...fields });
        },
    });
  }

  /** The Kafka consumer group id of logical group `group` on logical topic `topic` (several: joined with `+`). */
  kafkaGroupId(group: string, topic: string | readonly string[]): string {
    return `${this.#options.topicPrefix}${group}.${typeof topic === 'string' ? topic : topic.join('+')}`;
  }

  /** The partition the producer sends `key` to on a topic of `partitions` partitions (kafkajs's murmur2, as Java clients). */
  static partitionOf(key: string, partitions: number): number {
    if (!Number.isSafeInteger(partitions) || partitions < 1)
      throw new InvalidArgumentError(`partitions must be a positive integer, got ${partitions}`);
    const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    }));
    return Partitioners.DefaultPartitioner()({ topic: 'any', partitionMetadata, message: { key, value: null } });
  }

  /** Partition counts of existing topics (logical names); a missing topic is absent from the map. */
  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const admin = this.#kafka.admin();
    try {
      await admin.connect();
    } catch (err) {
      throw unavailable('reading topic metadata', this.#options.brokers, err);
    }
    try {
      const existing = new Set(await admin.listTopics());
      const wanted = topics.filter((t) => existing.has(this.wireTopic(t)));
      const counts = new Map<string, number>();
      if (wanted.length === 0) return counts;
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: wanted.map((t) => this.wireTopic(t)) });
      for (const m of meta) counts.set(m.name.slice(this.#options.topicPrefix.length), m.partitions.length);
      return counts;
    } finally {
      await admin.disconnect();
    }
  }

  /** The wire name of a logical topic (with the prefix). */
  wireTopic(topic: string): string {
    return `${this.#options.topicPrefix}${topic}`;
  }

  /**
   * Creates the topics that do not exist yet (all of mneme's by default) and waits until they
   * have leaders. Existing topics are left as they are.
   */
  async ensureTopics(topics: readonly string[] = ALL_EVENT_TOPICS, options: EnsureTopicsOptions = {}): Promise<void> {
    const partitions = options.partitions ?? 3;
    const replicationFactor = options.replicationFactor ?? 1;
    const problems: string[] = [];
    if (!Number.isSafeInteger(partitions) || partitions < 1) problems.push(`partitions must be a positive integer, got ${partitions}`);
    if (!Number.isSafeInteger(replicationFactor) || replicationFactor < 1)
      problems.push(`replicationFactor must be a positive integer, got ${replicationFactor}`);
    if (topics.some((t) => t === '')) problems.push('a topic name is empty');
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const admin = this.#kafka.admin();
    try {
      await admin.connect();
    } catch (err) {
      throw unavailable('creating topics', this.#options.brokers, err);
    }
    try {
      const existing = new Set(await admin.listTopics());
      const missing = [...new Set(topics.map((t) => this.wireTopic(t)))].filter((t) => !existing.has(t));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
        });
      }
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Deletes topics (with the prefix applied) that exist; for tests and tooling that clean up what
   * they created. Never called by services.
   */
  async deleteTopics(topics: readonly string[]): Promise<void> {
    const admin = this.#kafka.admin();
    try {
      await admin.connect();
    } catch (err) {
      throw unavailable('deleting topics', this.#options.brokers, err);
    }
    try {
      const existing = new Set(await admin.listTopics());
      const doomed = topics.map((t) => this.wireTopic(t)).filter((t) => existing.has(t));
      if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
    } finally {
      await admin.disconnect();
    }
  }

  async publish(topic: string, key: string, value: Uint8Array): Promise<void> {
    if (this.#closed) throw new InvalidArgumentError('the Kafka bus is closed');
    if (topic === '') throw new InvalidArgumentError('topic is empty');
    try {
      const timeoutMs = this.#options.publishTimeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new MnemeError(
                'unavailable',
                `Kafka did not acknowledge the event on ${this.wireTopic(topic)} within ${timeoutMs} ms (brokers unreachable?); retry: repeats are dropped`,
              ),
            ),
          timeoutMs,
        );
      });
      const sent = (async () => {
        const producer = await this.#connectedProducer();
        await producer.send({
          topic: this.wireTopic(topic),
          acks: -1,
          messages: [{ key, value: Buffer.from(value.buffer, value.byteOffset, value.byteLength) }],
        });
      })();
      sent.catch(() => undefined); // after a timeout nobody awaits it
      try {
        await Promise.race([sent, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    } catch (err) {
      // The brokers did not take the event (unreachable, no leader, timed out): the caller may retry.
      if (err instanceof MnemeError) throw err;
      throw new MnemeError(
        'unavailable',
        `Kafka did not acknowledge the event on ${this.wireTopic(topic)}: ${err instanceof Error ? err.message : String(err)}; retry`,
        { cause: err },
      );
    }
  }

  async subscribe(
    topics: string | readonly string[],
    group: string,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.#closed) throw new InvalidArgumentError('the Kafka bus is closed');
    const list = typeof topics === 'string' ? [topics] : [...topics];
    const topic = list.join('+');
    const problems = [
      ...(list.length === 0 ? ['no topic given'] : []),
      ...(list.some((t) => t === '') ? ['topic is empty'] : []),
      ...(new Set(list).size !== list.length ? [`topics repeat: ${list.join(', ')}`] : []),
      ...(group === '' ? ['consumer group is empty'] : []),
    ];
    const concurrency = options.concurrency ?? this.#options.partitionsConsumedConcurrently;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) problems.push(`concurrency must be a positive integer, got ${concurrency}`);
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const coPartitioned = list.length > 1;
    if (coPartitioned) {
      // A key lands on the same partition number only in topics of the same partition count.
      const counts = await this.partitionCounts(list);
      const missing = list.filter((t) => !counts.has(t));
      if (missing.length > 0) throw new InvalidArgumentError(`topics ${missing.join(', ')} do not exist; create them first (ensureTopics)`);
      if (new Set(counts.values()).size > 1)
        throw new InvalidArgumentError(
          `co-partitioned topics need the same number of partitions, got ${list.map((t) => `${t}: ${counts.get(t)}`).join(', ')}`,
        );
    }
    const { logger, sessionTimeoutMs } = this.#options;
    const consumer = this.#kafka.consumer({
      // One Kafka group per (group, topics): a group's members must share one subscription, or the
      // assignor hands partitions of one topic to a member subscribed to another, which never reads
      // them. The prefix keeps environments sharing a cluster apart, as it does for topics.
      groupId: this.kafkaGroupId(group, list),
      allowAutoTopicCreation: false,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeoutMs / 10)),
      rebalanceTimeout: Math.max(sessionTimeoutMs, 10_000),
      ...(coPartitioned ? { partitionAssigners: [coPartitionedAssigner] } : {}),
    });
    const { onAssigned } = options;
    if (onAssigned !== undefined) {
      // Every join (each rebalance) ends with this member's assignment.
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        const partitions = new Set<number>();
        for (const ps of Object.values(event.payload.memberAssignment)) for (const p of ps) partitions.add(p);
        onAssigned([...partitions].sort((a, b) => a - b));
      });
    }
    consumer.on(consumer.events.CRASH, (event) => {
      logger.error('Kafka consumer crashed; kafkajs restarts it from the last committed offset', {
        topic,
        group,
        error: errorText(event.payload.error),
        restart: event.payload.restart,
      });
    });
    const control = { stopping: false, abort: new AbortController() };
    // Resolve only once the consumer is in its group, so callers (and tests) know it is consuming;
    // kafkajs restarts a consumer whose first join fails (e.g. the offsets topic still loading).
    let removeJoinListener: () => void = () => undefined;
    const joined = new Promise<void>((resolve) => {
      removeJoinListener = consumer.on(consumer.events.GROUP_JOIN, () => resolve());
    });
    let joinTimer: NodeJS.Timeout | undefined;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: list.map((t) => this.wireTopic(t)), fromBeginning: options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: concurrency,
        // Messages carry the logical topic: the wire name without the prefix.
        eachBatch: (payload) =>
          this.#eachBatch(payload.batch.topic.slice(this.#options.topicPrefix.length), group, handler, control, payload),
      });
      await Promise.race([
        joined,
        new Promise<never>((_, reject) => {
          joinTimer = setTimeout(
            () => reject(new MnemeError('unavailable', `the consumer did not join its group within ${this.#options.joinTimeoutMs} ms`)),
            this.#options.joinTimeoutMs,
          );
        }),
      ]);
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw unavailable(`subscribing group ${group} to ${topic}`, this.#options.brokers, err);
    } finally {
      clearTimeout(joinTimer);
      removeJoinListener();
    }
    let closing: Promise<void> | undefined;
    const subscription: Subscription = {
      topic,
      group,
      close: () => {
        closing ??= (async () => {
          control.stopping = true;
          // Give the in-flight handler its grace, then stop waiting for it (its message stays uncommitted).
          const timer = setTimeout(() => control.abort.abort(), this.#options.closeGraceMs);
          try {
            await consumer.disconnect();
          } finally {
            clearTimeout(timer);
            control.abort.abort();
            this.#subscriptions.delete(subscription);
            this.#lagTargets.delete(subscription);
          }
        })();
        return closing;
      },
    };
    this.#subscriptions.add(subscription);
    this.#lagTargets.set(subscription, {
      group,
      topics: list,
      groupId: this.kafkaGroupId(group, list),
      fromBeginning: options.fromBeginning ?? true,
    });
    return subscription;
  }

  /**
   * The lag of each group this bus has a live subscription in, per topic, from the brokers: the
   * partitions' high watermarks minus the group's committed offsets. A partition the group never
   * committed on counts from its earliest retained offset when the group starts from the beginning,
   * else as 0 (the group starts at the end). Several members of one group in this process count once.
   */
  async consumerLag(): Promise<readonly ConsumerLag[]> {
    const targets = [...new Map([...this.#lagTargets.values()].map((t) => [t.groupId, t])).values()];
    if (targets.length === 0) return [];
    const connecting = (this.#lagAdmin ??= (async () => {
      const admin = this.#kafka.admin();
      await admin.connect();
      return admin;
    })());
    try {
      const admin = await connecting;
      const ends = new Map<string, Promise<{ partition: number; high: string; low: string }[]>>();
      const endsOf = (wire: string) => {
        let hit = ends.get(wire);
        if (hit === undefined) ends.set(wire, (hit = admin.fetchTopicOffsets(wire)));
        return hit;
      };
      const out: ConsumerLag[] = [];
      for (const target of targets) {
        const committed = await admin.fetchOffsets({ groupId: target.groupId, topics: target.topics.map((t) => this.wireTopic(t)) });
        for (const topic of target.topics) {
          const offsets = new Map(
            (committed.find((c) => c.topic === this.wireTopic(topic))?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]),
          );
          let lag = 0n;
          for (const { partition, high, low } of await endsOf(this.wireTopic(topic))) {
            const at = offsets.get(partition) ?? -1n;
            const from = at >= 0n ? at : target.fromBeginning ? BigInt(low) : BigInt(high);
            if (BigInt(high) > from) lag += BigInt(high) - from;
          }
          out.push({ group: target.group, topic, lag: Number(lag) });
        }
      }
      return out;
    } catch (err) {
      // A broken connection is not reused: the next call connects again.
      if (this.#lagAdmin === connecting) {
        this.#lagAdmin = undefined;
        void connecting.then((a) => a.disconnect()).catch(() => undefined);
      }
      throw unavailable('reading consumer lag', this.#options.brokers, err);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#subscriptions].map((s) => s.close()));
    const lagAdmin = this.#lagAdmin;
    this.#lagAdmin = undefined;
    if (lagAdmin) await lagAdmin.then((a) => a.disconnect()).catch(() => undefined);
    const producer = this.#producer;
    this.#producer = undefined;
    if (producer) await producer.then((p) => p.disconnect()).catch(() => undefined);
  }

  #connectedProducer(): Promise<Producer> {
    this.#producer ??= (async () => {
      const producer = this.#kafka.producer({
        idempotent: true,
        // kafkajs keeps ordering with idempotence only with one request in flight per broker.
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // kafkajs refuses an idempotent producer that may not retry; retries are what it dedupes.
        retry: { retries: Math.max(1, this.#options.clientRetries) },
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      try {
        await producer.connect();
      } catch (err) {
        this.#producer = undefined;
        throw unavailable('connecting the producer', this.#options.brokers, err);
      }
      return producer;
    })();
    return this.#producer;
  }

  async #eachBatch(
    topic: string,
    group: string,
    handler: MessageHandler,
    control: { stopping: boolean; abort: AbortController },
    payload: EachBatchPayload,
  ): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    const live = () => !control.stopping && isRunning() && !isStale();
    for (const m of batch.messages) {
      if (!live()) return;
      const handled = await this.#deliver(topic, group, batch.partition, m, handler, control, heartbeat, live);
      // Not handled means stopping or reassigned: leave it uncommitted for whoever owns it next.
      if (!handled) return;
      resolveOffset(m.offset);
      // The commit names the next offset to read: the one after the handled message.
      await commitOffsetsIfNecessary({
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(m.offset) + 1n).toString() }] }],
      });
      await heartbeat();
    }
  }

  /** Delivers one message until a handler resolves (true) or the subscription stops owning it (false). */
  async #deliver(
    topic: string,
    group: string,
    partition: number,
    m: KafkaMessage,
    handler: MessageHandler,
    control: { stopping: boolean; abort: AbortController },
    heartbeat: () => Promise<void>,
    live: () => boolean,
  ): Promise<boolean> {
    const { logger, retry, sessionTimeoutMs } = this.#options;
    const value = m.value ?? Buffer.alloc(0);
    const key = m.key?.toString('utf8') ?? '';
    // A long handler (a training step) must not look like a dead consumer to the group coordinator.
    const beat = setInterval(() => void heartbeat().catch(() => undefined), Math.max(500, Math.floor(sessionTimeoutMs / 3)));
    try {
      for (let attempt = 1; ; attempt += 1) {
        const message: BusMessage = {
          topic,
          partition,
          offset: m.offset,
          key,
          value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
          attempt,
        };
        let onAbort: () => void = () => undefined;
        const abandoned = new Promise<'abandoned'>((resolve) => {
          onAbort = () => resolve('abandoned');
          if (control.abort.signal.aborted) onAbort();
          else control.abort.signal.addEventListener('abort', onAbort, { once: true });
        });
        let failure: unknown;
        const outcome = await Promise.race([
          Promise.resolve()
            .then(() => handler(message))
            .then(
              () => 'done' as const,
              (err: unknown) => {
                failure = err;
                return 'failed' as const;
              },
            ),
          abandoned,
        ]).finally(() => control.abort.signal.removeEventListener('abort', onAbort));
        if (outcome === 'done') return true;
        if (outcome === 'abandoned') {
          logger.warn('closing with a handler still running; its message stays uncommitted and is delivered again', {
            topic,
            group,
            partition,
            offset: m.offset,
          });
          return false;
        }
        const delay = backoffDelay(retry, attempt);
        logger.warn('event handler failed; delivering the message again', {
          topic,
          group,
          partition,
          offset: m.offset,
          attempt,
          retryInMs: delay,
          error: errorText(failure),
        });
        await sleep(delay, control.abort.signal);
        if (!live()) return false;
      }
    } finally {
      clearInterval(beat);
    }
  }
}
