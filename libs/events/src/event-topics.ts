import {
  DeadLetterEvent,
  EvaluationCompletedEvent,
  ExperienceClosedEvent,
  ModelUpdatedEvent,
  SamplesEvent,
  TOPICS,
  type MessageFns,
  type TopicKey,
} from '@mneme/contracts';

/** The payload type carried by each topic of {@link TOPICS}. */
export interface EventTypes {
  samples: SamplesEvent;
  experienceClosed: ExperienceClosedEvent;
  modelUpdated: ModelUpdatedEvent;
  evaluationCompleted: EvaluationCompletedEvent;
  deadLetter: DeadLetterEvent;
}

/** The payload type of topic `K`. */
export type EventOf<K extends TopicKey> = EventTypes[K];

/** Every event payload: each starts with an EventHeader. */
export type AnyEvent = EventTypes[TopicKey];

/** What the envelope code needs to know about one topic. */
export interface EventTopic<K extends TopicKey> {
  /** The topic's key in {@link TOPICS}. */
  readonly key: K;
  /** The Kafka topic name. */
  readonly topic: (typeof TOPICS)[K];
  /** The payload's protobuf message name, for error messages. */
  readonly messageName: string;
  /** The generated codec of the payload. */
  readonly codec: MessageFns<EventTypes[K]>;
}

// One frozen table instead of a switch: adding a topic is one line here and one in TOPICS.
const table = <K extends TopicKey>(key: K, messageName: string, codec: MessageFns<EventTypes[K]>): EventTopic<K> =>
  Object.freeze({ key, topic: TOPICS[key], messageName, codec });

/** Topic key → topic name, payload name and codec, for every topic of {@link TOPICS}. */
export const EVENT_TOPICS: { readonly [K in TopicKey]: EventTopic<K> } = Object.freeze({
  samples: table('samples', 'mneme.v1.SamplesEvent', SamplesEvent),
  experienceClosed: table('experienceClosed', 'mneme.v1.ExperienceClosedEvent', ExperienceClosedEvent),
  modelUpdated: table('modelUpdated', 'mneme.v1.ModelUpdatedEvent', ModelUpdatedEvent),
  evaluationCompleted: table('evaluationCompleted', 'mneme.v1.EvaluationCompletedEvent', EvaluationCompletedEvent),
  deadLetter: table('deadLetter', 'mneme.v1.DeadLetterEvent', DeadLetterEvent),
});

/** Every topic name mneme uses, for creating them (`KafkaBus.ensureTopics`). */
export const ALL_EVENT_TOPICS: readonly string[] = Object.freeze(Object.values(TOPICS));
