import { type TopicKey } from '@mneme/contracts';
import { type EventBus } from './event-bus.js';
import { encodeEvent } from './event-codec.js';
import { type EventOf } from './event-topics.js';

/**
 * Validates and publishes a typed event to its topic, keyed by its header's model id. Re-publishing
 * the same event (same event id) after a failure is safe: consumers drop the duplicate.
 * @throws InvalidArgumentError when the header is missing or invalid (nothing is published).
 */
export async function publishEvent<K extends TopicKey>(bus: EventBus, topicKey: K, event: EventOf<K>): Promise<void> {
  const { topic, key, value } = encodeEvent(topicKey, event);
  await bus.publish(topic, key, value);
}
