/**
 * mneme's events: the one importer of kafkajs. An {@link EventBus} interface with an in-process
 * implementation (the embedded default) and a Kafka one; typed, validated envelopes per topic of
 * events.proto keyed by model id; idempotent consumers (event ids) that commit only after their
 * state is durable; malformed events to the dead-letter topic with the reason.
 */
export { InMemoryAppliedEvents } from './applied-events.js';
export type { AppliedEvents, AppliedEventsOptions } from './applied-events.js';
export { consumeEvents, consumeEventsTogether } from './consume-events.js';
export type {
  ConsumeEventsOptions,
  ConsumeTogetherOptions,
  DeadLetterReason,
  EventContext,
  EventHandler,
  TopicHandlers,
} from './consume-events.js';
export { deadLetterFor, publishDeadLetter, UNKNOWN_MODEL_ID } from './dead-letter.js';
export type { DeadLetterInfo } from './dead-letter.js';
export type { BusMessage, ConsumerLag, EventBus, MessageHandler, RefusedMessage, SubscribeOptions, Subscription } from './event-bus.js';
export { decodeEvent, encodeEvent } from './event-codec.js';
export type { DecodeResult, EncodedEvent } from './event-codec.js';
export { headerProblems, MAX_EVENT_ID_LENGTH, newEventHeader } from './event-header.js';
export type { NewEventHeader } from './event-header.js';
export { defaultEventLogger, silentEventLogger } from './event-logger.js';
export type { EventLogger } from './event-logger.js';
export { ALL_EVENT_TOPICS, EVENT_TOPICS } from './event-topics.js';
export type { AnyEvent, EventOf, EventTopic, EventTypes } from './event-topics.js';
export { FileAppliedEvents } from './file-applied-events.js';
export { InProcessBus } from './in-process-bus.js';
export type { InProcessBusOptions } from './in-process-bus.js';
export { KafkaBus } from './kafka-bus.js';
export type { EnsureTopicsOptions, KafkaBusOptions } from './kafka-bus.js';
export { publishEvent } from './publish-event.js';
export type { RetryBackoff } from './retry-backoff.js';
export { KAFKA_SECURITY_ENV_NAMES, kafkajsSecurity, kafkaSecuritySettings, loadKafkaSecurity } from './kafka-security.js';
export type { KafkaSaslMechanismName, KafkaSecurity, KafkaSecurityConfigFields, KafkaSecuritySettings } from './kafka-security.js';
export {
  BROKER_REQUIRED,
  brokerAnswers,
  saslCaPresent,
  SASL_SKIP_MESSAGE,
  SKIP_MESSAGE,
  TEST_BROKERS,
  TEST_SASL_BROKERS,
  TEST_SASL_CA,
  TEST_SASL_USER,
} from './kafka-test-broker.js';
