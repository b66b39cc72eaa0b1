import { type EventHeader, type TopicKey } from '@mneme/contracts';
import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import { InMemoryAppliedEvents, type AppliedEvents } from './applied-events.js';
import { publishDeadLetter } from './dead-letter.js';
import { type BusMessage, type EventBus, type MessageHandler, type RefusedMessage, type Subscription } from './event-bus.js';
import { decodeEvent } from './event-codec.js';
import { defaultEventLogger, type EventLogger } from './event-logger.js';
import { EVENT_TOPICS, type EventOf } from './event-topics.js';

/** Where an event came from, passed to an {@link EventHandler} beside the event. */
export interface EventContext {
  /** Topic name. */
  readonly topic: string;
  /** Partition the event was read from. */
  readonly partition: number;
  /** Offset within the partition, as decimal text. */
  readonly offset: string;
  /** The message key: the event's model id. */
  readonly key: string;
  /** 1 on the first delivery in this process; higher when the handler failed before. */
  readonly attempt: number;
  /** The validated header. */
  readonly header: EventHeader;
}

/**
 * Applies one event. Resolve only once the consumer's state for it is durable: the event is then
 * marked applied and its offset committed. Throw to have it delivered again; throw an
 * InvalidArgumentError for an event that can never be applied, to dead-letter it at once.
 */
export type EventHandler<K extends TopicKey> = (event: EventOf<K>, context: EventContext) => Promise<void>;

/** Options of {@link consumeEvents}. */
export interface ConsumeEventsOptions<K extends TopicKey> {
  /** Consumer group: each group gets every event once (per successful handling). */
  readonly group: string;
  /** Applies an event. */
  readonly handler: EventHandler<K>;
  /**
   * Ids of events already applied. Give a durable one (FileAppliedEvents, or the service's own
   * store) when the consumer's state survives restarts, so events redelivered after a crash are
   * skipped. @default a new InMemoryAppliedEvents
   */
  readonly applied?: AppliedEvents;
  /**
   * Deliveries of one event (in this process) before a still-failing handler's event is
   * dead-lettered. Unbounded by default: a handler failing because a dependency is down must not
   * lose events; set a bound for handlers whose failures are deterministic.
   * @default Infinity
   */
  readonly maxAttempts?: number;
  /** Service name written into the header of dead letters this consumer publishes. @default the group */
  readonly producer?: string;
  /** Where dead letters, duplicates and retries are reported. @default defaultEventLogger */
  readonly logger?: EventLogger;
  /**
   * Told of every message dead-lettered, with its topic key and why in a word (for a metric:
   * `malformed` undecodable or with a bad header, `rejected` refused by the handler as invalid,
   * `exhausted` still failing after maxAttempts deliveries).
   */
  readonly onDeadLetter?: (topic: TopicKey, reason: DeadLetterReason) => void;
  /** Where a new group starts; see SubscribeOptions. @default true */
  readonly fromBeginning?: boolean;
  /** Told this member's partitions after each assignment; see SubscribeOptions. */
  readonly onAssigned?: (partitions: readonly number[]) => void;
  /** Partitions handled at the same time; see SubscribeOptions. */
  readonly concurrency?: number;
  /** The handler makes events durable: in-process publishes wait for it; see SubscribeOptions. */
  readonly persists?: boolean;
}

/** Why a message was dead-lettered, in a word (see ConsumeEventsOptions.onDeadLetter). */
export type DeadLetterReason = 'malformed' | 'rejected' | 'exhausted';

/** A handler per topic, for {@link consumeEventsTogether}. */
export type TopicHandlers = { readonly [K in TopicKey]?: EventHandler<K> };

/** Options of {@link consumeEventsTogether}: those of consumeEvents, without the one handler. */
export type ConsumeTogetherOptions = Omit<ConsumeEventsOptions<TopicKey>, 'handler'>;

/**
 * Subscribes a typed, idempotent consumer to topic `topicKey` of TOPICS. For every message it:
 * decodes it with the generated codec and validates the header (event id, schema version,
 * model id = key), dead-lettering a malformed message with the reason (never stopping); skips an
 * event whose id `applied` has; calls the handler; marks the id applied; and only then lets the bus
 * commit. A dead letter is published before the bad message is committed past, so none is lost.
 */
export async function consumeEvents<K extends TopicKey>(
  bus: EventBus,
  topicKey: K,
  options: ConsumeEventsOptions<K>,
): Promise<Subscription> {
  return consumeEventsTogether(bus, { [topicKey]: options.handler }, options);
}

/**
 * {@link consumeEvents} for several topics in one co-partitioned subscription (one consumer group,
 * see EventBus.subscribe): each message goes to its topic's handler. For a consumer that must
 * see every event of a key, whatever its topic, while it owns the key (the trainer: samples and
 * experience closes of a model).
 */
export async function consumeEventsTogether(
  bus: EventBus,
  handlers: TopicHandlers,
  options: ConsumeTogetherOptions,
): Promise<Subscription> {
  const keys = (Object.keys(handlers) as TopicKey[]).filter((k) => handlers[k] !== undefined);
  const maxAttempts = options.maxAttempts ?? Infinity;
  const problems: string[] = [];
  if (keys.length === 0) problems.push('no topic handler given');
  if (options.group === '') problems.push('group is empty');
  if (!(maxAttempts >= 1)) problems.push(`maxAttempts must be at least 1, got ${maxAttempts}`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  const applied = options.applied ?? new InMemoryAppliedEvents();
  const byTopic = new Map<string, MessageHandler>(
    keys.map((k) => [EVENT_TOPICS[k].topic, messageHandler(bus, k, handlers[k] as EventHandler<typeof k>, applied, maxAttempts, options)]),
  );
  const topics = [...byTopic.keys()];
  return bus.subscribe(
    topics.length === 1 ? topics[0]! : topics,
    options.group,
    async (message) => {
      const handle = byTopic.get(message.topic);
      if (handle === undefined)
        throw new InvalidArgumentError(`a message of topic '${message.topic}' reached a subscription to ${topics.join(', ')}`);
      return handle(message);
    },
    {
      fromBeginning: options.fromBeginning ?? true,
      ...(options.onAssigned === undefined ? {} : { onAssigned: options.onAssigned }),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.persists === undefined ? {} : { persists: options.persists }),
    },
  );
}

/** Decodes, deduplicates, dead-letters and hands one topic's messages to its handler. */
function messageHandler<K extends TopicKey>(
  bus: EventBus,
  topicKey: K,
  handler: EventHandler<K>,
  applied: AppliedEvents,
  maxAttempts: number,
  options: ConsumeTogetherOptions,
): MessageHandler {
  const { group } = options;
  const logger = options.logger ?? defaultEventLogger;
  const producer = options.producer ?? group;

  const deadLetter = async (message: BusMessage, reason: string, kind: DeadLetterReason): Promise<RefusedMessage> => {
    options.onDeadLetter?.(topicKey, kind);
    if (topicKey === 'deadLetter') {
      // Dead-lettering a dead letter would feed the topic to itself; report it and move on.
      logger.error('malformed dead letter dropped', { group, partition: message.partition, offset: message.offset, reason });
      return { refused: reason };
    }
    const letter = await publishDeadLetter(bus, message, { reason, group, producer });
    logger.warn('event dead-lettered', {
      topic: message.topic,
      group,
      partition: message.partition,
      offset: message.offset,
      key: message.key,
      reason,
      deadLetterId: letter.header!.eventId,
    });
    return { refused: reason };
  };

  return async (message): Promise<void | RefusedMessage> => {
    const decoded = decodeEvent(topicKey, message.value, message.key);
    if (!decoded.ok) return deadLetter(message, decoded.reason, 'malformed');
    const { event, header } = decoded;
    if (await applied.has(header.eventId)) {
      logger.debug('duplicate event skipped', { topic: message.topic, group, eventId: header.eventId, offset: message.offset });
      return;
    }
    const context: EventContext = {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key,
      attempt: message.attempt,
      header,
    };
    try {
      await handler(event, context);
    } catch (err) {
      const rejected = err instanceof MnemeError && err.kind === 'invalid-argument';
      if (!rejected && message.attempt < maxAttempts) throw err;
      const why = err instanceof Error ? err.message : String(err);
      return deadLetter(
        message,
        rejected ? `rejected by the handler: ${why}` : `handler still failing after ${message.attempt} attempts: ${why}`,
        rejected ? 'rejected' : 'exhausted',
      );
    }
    await applied.mark(header.eventId);
  };
}
