/**
 * Kafka topic names, one per event payload of proto/mneme/v1/events.proto. The `.v1` suffix is the
 * topic generation: a breaking payload change gets a new topic, not a reused one.
 */
export const TOPICS = Object.freeze({
  /** SamplesEvent: labelled samples to train on. */
  samples: 'mneme.samples.v1',
  /** ExperienceClosedEvent: an experience ended. */
  experienceClosed: 'mneme.experience-closed.v1',
  /** ModelUpdatedEvent: a model version was written or promoted. */
  modelUpdated: 'mneme.model-updated.v1',
  /** EvaluationCompletedEvent: a version's accuracy-matrix row and metrics. */
  evaluationCompleted: 'mneme.evaluation-completed.v1',
  /** DeadLetterEvent: events a consumer rejected, with the reason. */
  deadLetter: 'mneme.dead-letter.v1',
});

/** A topic's key in {@link TOPICS}. */
export type TopicKey = keyof typeof TOPICS;

/** The schema version every payload in events.proto currently has. */
export const EVENT_SCHEMA_VERSION = 1;
