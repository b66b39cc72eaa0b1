import { randomUUID } from 'node:crypto';
import { DeadLetterEvent, EVENT_SCHEMA_VERSION, TOPICS } from '@mneme/contracts';
import { type BusMessage, type EventBus } from './event-bus.js';

/** Model id of dead letters whose source message had no usable key. */
export const UNKNOWN_MODEL_ID = 'unknown';

/** Who rejected a message and why. */
export interface DeadLetterInfo {
  /** What was wrong, for a human. */
  readonly reason: string;
  /** The consumer group that rejected the message. */
  readonly group: string;
  /** The rejecting service, for the dead letter's own header. */
  readonly producer: string;
}

/** The DeadLetterEvent for a rejected message: its origin, its bytes untouched, and the reason. */
export function deadLetterFor(message: BusMessage, info: DeadLetterInfo): DeadLetterEvent {
  const modelId = message.key === '' ? UNKNOWN_MODEL_ID : message.key;
  return {
    header: {
      eventId: randomUUID(),
      schemaVersion: EVENT_SCHEMA_VERSION,
      occurredAt: new Date(),
      producer: info.producer,
      modelId,
      // The source's bytes are untrusted, so its tenant is not repeated here; operators read it from the payload.
      tenant: '',
    },
    sourceTopic: message.topic,
    sourcePartition: message.partition,
    sourceOffset: message.offset,
    key: new TextEncoder().encode(message.key),
    payload: message.value,
    reason: info.reason,
    consumerGroup: info.group,
  };
}

/**
 * Publishes the dead letter for `message` to TOPICS.deadLetter, keyed like the source (by model
 * id), and resolves once the bus has it; only then may the consumer commit past the message.
 */
export async function publishDeadLetter(bus: EventBus, message: BusMessage, info: DeadLetterInfo): Promise<DeadLetterEvent> {
  const letter = deadLetterFor(message, info);
  await bus.publish(TOPICS.deadLetter, letter.header!.modelId, DeadLetterEvent.encode(letter).finish());
  return letter;
}
