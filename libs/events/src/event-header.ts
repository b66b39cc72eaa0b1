import { randomUUID } from 'node:crypto';
import { EVENT_SCHEMA_VERSION, type EventHeader } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';

/** Longest event id accepted; ids are UUIDs (36 characters), the slack admits other schemes. */
export const MAX_EVENT_ID_LENGTH = 128;

// Event ids are stored one per line by FileAppliedEvents, so whitespace can never be part of one.
const EVENT_ID_PATTERN = /^[\x21-\x7e]+$/;

/** What a producer states when it creates an event. */
export interface NewEventHeader {
  /** The model the event belongs to; it becomes the message key (the partition key). */
  readonly modelId: string;
  /** The service producing the event, e.g. "trainer". */
  readonly producer: string;
  /** A caller-chosen id, for producers that must re-send the same event after a crash. @default a random UUID */
  readonly eventId?: string;
  /** When it happened. @default now */
  readonly occurredAt?: Date;
  /** The tenant the event acts for (the owner of the model); consumers enforce it. @default '' (the default tenant) */
  readonly tenant?: string;
}

/** A complete EventHeader: a fresh UUID (unless given), the current schema version and the time. */
export function newEventHeader(options: NewEventHeader): EventHeader {
  const header: EventHeader = {
    eventId: options.eventId ?? randomUUID(),
    schemaVersion: EVENT_SCHEMA_VERSION,
    occurredAt: options.occurredAt ?? new Date(),
    producer: options.producer,
    modelId: options.modelId,
    tenant: options.tenant ?? '',
  };
  const problems = headerProblems(header);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return header;
}

/**
 * Every problem with an event header, one sentence each (empty when valid). With `key`, the
 * header's model id must equal the message key, so that a consumer partitioned by key sees all of
 * one model's events.
 */
export function headerProblems(header: EventHeader | undefined, key?: string): string[] {
  if (header === undefined) return ['the event has no header (field 1, mneme.v1.EventHeader)'];
  const problems: string[] = [];
  if (header.eventId === '') problems.push('header.event_id is empty; set a UUID');
  else if (header.eventId.length > MAX_EVENT_ID_LENGTH)
    problems.push(`header.event_id is ${header.eventId.length} characters long; at most ${MAX_EVENT_ID_LENGTH} are allowed`);
  else if (!EVENT_ID_PATTERN.test(header.eventId)) problems.push('header.event_id contains whitespace or non-ASCII characters; use a UUID');
  if (header.schemaVersion !== EVENT_SCHEMA_VERSION)
    problems.push(`header.schema_version is ${header.schemaVersion}; this consumer reads version ${EVENT_SCHEMA_VERSION}`);
  if (header.modelId === '') problems.push('header.model_id is empty; every event belongs to a model');
  else if (key !== undefined && header.modelId !== key)
    problems.push(`header.model_id "${header.modelId}" differs from the message key "${key}"; events are keyed by model id`);
  return problems;
}
