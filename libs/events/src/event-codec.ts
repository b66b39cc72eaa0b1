import { type EventHeader, type TopicKey } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';
import { headerProblems } from './event-header.js';
import { EVENT_TOPICS, type EventOf } from './event-topics.js';

/** An event ready for the bus: the key is the header's model id. */
export interface EncodedEvent {
  /** The Kafka topic name. */
  readonly topic: string;
  /** The message key: the event's model id. */
  readonly key: string;
  /** The protobuf bytes. */
  readonly value: Uint8Array;
}

/** The outcome of decoding a message: the event, or why it was rejected. */
export type DecodeResult<K extends TopicKey> =
  { readonly ok: true; readonly event: EventOf<K>; readonly header: EventHeader } | { readonly ok: false; readonly reason: string };

/**
 * Validates `event`'s header and encodes it with the topic's generated codec.
 * @throws InvalidArgumentError listing every header problem.
 */
export function encodeEvent<K extends TopicKey>(topicKey: K, event: EventOf<K>): EncodedEvent {
  const spec = EVENT_TOPICS[topicKey];
  const problems = headerProblems(event.header);
  if (problems.length > 0) throw new InvalidArgumentError(problems.map((p) => `${spec.messageName} for ${spec.topic}: ${p}`));
  return { topic: spec.topic, key: event.header!.modelId, value: spec.codec.encode(event).finish() };
}

/**
 * Decodes a message of topic `topicKey` and validates its header against the message key. Never
 * throws: a malformed message is a value (`ok: false`) the consumer dead-letters.
 */
export function decodeEvent<K extends TopicKey>(topicKey: K, value: Uint8Array, key: string): DecodeResult<K> {
  const spec = EVENT_TOPICS[topicKey];
  if (value.length === 0) return { ok: false, reason: `empty payload; expected a ${spec.messageName}` };
  let event: EventOf<K>;
  try {
    event = spec.codec.decode(value);
  } catch (err) {
    return { ok: false, reason: `payload is not a valid ${spec.messageName}: ${err instanceof Error ? err.message : String(err)}` };
  }
  const problems = key === '' ? ['the message has no key; events are keyed by model id'] : [];
  problems.push(...headerProblems(event.header, key === '' ? undefined : key));
  if (problems.length > 0) return { ok: false, reason: `invalid ${spec.messageName}: ${problems.join('; ')}` };
  return { ok: true, event, header: event.header! };
}
