/**
 * One message as a bus delivers it: raw bytes plus where they came from. The typed layer
 * (`consumeEvents`) decodes `value`; the bus never looks inside.
 */
export interface BusMessage {
  /** Logical topic name (without any deployment prefix the bus adds). */
  readonly topic: string;
  /** Partition the message was read from; every message of one key lives in one partition. */
  readonly partition: number;
  /** Offset within the partition, as decimal text (Kafka offsets are int64). */
  readonly offset: string;
  /** The message key (UTF-8); mneme keys every event by its model id. Empty when the message had none. */
  readonly key: string;
  /** The payload bytes. */
  readonly value: Uint8Array;
  /** 1 for the first delivery of this message in this process, 2 for the first redelivery, and so on. */
  readonly attempt: number;
}

/**
 * What a handler did with a message it will never apply (dead-lettered it): the bus commits past
 * it, and a publisher still waiting on a persisting group is told why (see SubscribeOptions.persists).
 */
export interface RefusedMessage {
  readonly refused: string;
}

/**
 * Handles one message. Resolving means "my state for this message is durable": only then does the
 * bus commit past it; resolving with a {@link RefusedMessage} means "handled by setting it aside".
 * Rejecting means "not handled": the bus delivers the same message again (after a backoff) before
 * any later message of the same partition.
 */
export type MessageHandler = (message: BusMessage) => Promise<void | RefusedMessage>;

/** How a subscription starts and behaves. */
export interface SubscribeOptions {
  /**
   * Where a consumer group with no committed position starts: the earliest retained message
   * (`true`) or only messages published after it joined (`false`). Starting at the beginning is
   * the at-least-once choice: nothing published before the consumer's first start is missed, and
   * idempotent consumers drop what they already applied.
   * @default true
   */
  readonly fromBeginning?: boolean;
  /**
   * Told the partitions this member owns each time its group assigns them: on Kafka after every
   * rebalance (the first time before `subscribe` resolves), with one list for all the topics of a
   * co-partitioned subscription (they share partition numbers). The in-process bus never calls it:
   * it has no rebalances, and a member alone in its group gets every key. kafkajs offers no hook
   * before a partition is taken away, so a consumer that keeps per-partition state must fence it
   * itself (the trainer does, with per-model epochs in its store).
   */
  readonly onAssigned?: (partitions: readonly number[]) => void;
  /**
   * Partitions whose messages are handled at the same time (order stays per partition), for a
   * consumer whose handler waits on I/O per message (the trainer's fsync). The in-process bus
   * always handles keys concurrently. @default the bus's setting (KafkaBus: 1)
   */
  readonly concurrency?: number;
  /**
   * This group makes each message durable in its own store (the trainer fsyncs its sample log).
   * The in-process bus keeps messages in memory only, so there `publish` resolves only once every
   * persisting group with members has handled the message: an acknowledged publish then survives
   * a crash of the process. A persisting group's refusal or failure rejects the publish (failures
   * are still retried: re-sending is safe for idempotent consumers). Kafka ignores it: the brokers
   * make a message durable before they acknowledge it. @default false
   */
  readonly persists?: boolean;
}

/** A running subscription of one consumer (a member of a consumer group). */
export interface Subscription {
  /** The topic subscribed to; the topics joined with `+` for a subscription to several. */
  readonly topic: string;
  /** The consumer group this subscription is a member of. */
  readonly group: string;
  /**
   * Leaves the group. A handler in flight may finish (within the bus's close grace); its message
   * is committed only if it resolved. Undelivered and uncommitted messages go to the group's other
   * members, or to the next member that joins. Safe to call twice.
   */
  close(): Promise<void>;
}

/** How far one consumer group is behind on one topic. */
export interface ConsumerLag {
  /** The logical consumer group (as given to `subscribe`). */
  readonly group: string;
  /** The logical topic. */
  readonly topic: string;
  /** Messages published to the topic that the group has not handled yet, over all partitions. */
  readonly lag: number;
}

/**
 * mneme's event transport, with at-least-once semantics: every message published to a topic is
 * delivered to one member of every consumer group subscribed to it, in publish order per key, and
 * delivered again until a handler resolves for it. Implemented in-process (`InProcessBus`, the
 * embedded default) and on Kafka (`KafkaBus`). Use `publishEvent`/`consumeEvents` for typed,
 * validated, idempotent events on top of it.
 */
export interface EventBus {
  /**
   * Appends one message to `topic`. Resolves once the message is durable: on Kafka, acknowledged by
   * all in-sync replicas; in-process, handled by every persisting group (SubscribeOptions.persists).
   * Messages with the same key keep their order.
   */
  publish(topic: string, key: string, value: Uint8Array): Promise<void>;
  /**
   * Joins consumer group `group` on `topic` and delivers messages to `handler` (see
   * {@link MessageHandler} for the commit contract). Resolves once the subscription is running.
   * Several topics make one co-partitioned subscription: on Kafka they must have the same number
   * of partitions, and partition p of every one of them goes to the same member, so a consumer
   * sees every event of a key (whatever its topic) while it owns the key's partition.
   */
  subscribe(topic: string | readonly string[], group: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Subscription>;
  /**
   * The lag of every consumer group this bus has a live subscription in, per topic (for metrics).
   * On Kafka it is the whole group's lag, read from the brokers (high watermarks against committed
   * offsets), whichever member asks; in-process it is what the bus still holds for the group.
   * Optional: a bus that cannot tell leaves it out.
   */
  consumerLag?(): Promise<readonly ConsumerLag[]>;
  /** Closes every subscription and connection of this bus. Safe to call twice. */
  close(): Promise<void>;
}
