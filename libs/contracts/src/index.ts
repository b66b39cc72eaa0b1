/**
 * mneme's wire contracts: the ts-proto output for proto/mneme/v1 (regenerate with
 * `npm run gen:contracts`; never edit by hand) and the Kafka topic names.
 */
export * from './generated/index.js';
export { TOPICS, EVENT_SCHEMA_VERSION } from './topics.js';
export type { TopicKey } from './topics.js';
