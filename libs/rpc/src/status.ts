import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { MnemeError, type ErrorKind } from '@mneme/errors';
import type { Logger } from './logger.js';

/**
 * The one table between domain error kinds and gRPC status codes, used in both directions
 * (server: error -> status; client: status -> error).
 */
const KIND_TO_CODE: Readonly<Record<ErrorKind, Status>> = Object.freeze({
  'invalid-argument': Status.INVALID_ARGUMENT,
  'not-found': Status.NOT_FOUND,
  'already-exists': Status.ALREADY_EXISTS,
  'failed-precondition': Status.FAILED_PRECONDITION,
  aborted: Status.ABORTED,
  'resource-exhausted': Status.RESOURCE_EXHAUSTED,
  unauthenticated: Status.UNAUTHENTICATED,
  'permission-denied': Status.PERMISSION_DENIED,
  unavailable: Status.UNAVAILABLE,
  'deadline-exceeded': Status.DEADLINE_EXCEEDED,
  internal: Status.INTERNAL,
});

const CODE_TO_KIND: ReadonlyMap<Status, ErrorKind> = new Map(Object.entries(KIND_TO_CODE).map(([kind, code]) => [code, kind as ErrorKind]));

/** What a failed call sends to its caller. */
export interface GrpcStatus {
  code: Status;
  details: string;
}

/**
 * Longest status message sent, in characters. Details travel in the call's trailers, and a message
 * that echoes an oversize field (a 200 KB id) would overflow the peer's header-list limit: the
 * client then never sees the status and waits for its deadline.
 */
export const MAX_DETAILS_CHARS = 1_000;

/** Sent instead of the message of an unexpected error, which may hold internals. */
export const INTERNAL_DETAILS = 'internal error; the server logged the cause';

/**
 * Maps anything a handler threw to the status sent to the caller. Domain errors send their
 * message; anything unexpected becomes INTERNAL with a generic message, and its cause is logged.
 */
export function toGrpcStatus(err: unknown, logger: Logger, method: string): GrpcStatus {
  const domain = MnemeError.from(err);
  if (domain.kind === 'internal') {
    logger.error('handler failed', { method, error: describeCause(err) });
    return { code: Status.INTERNAL, details: INTERNAL_DETAILS };
  }
  return { code: KIND_TO_CODE[domain.kind], details: boundedDetails(domain.message) };
}

/**
 * `message`, cut to {@link MAX_DETAILS_CHARS} with a note of how much was left out, and with lone
 * surrogates (a caller's malformed text, or a pair the cut split) replaced by U+FFFD: grpc-js
 * percent-encodes the details with encodeURI, which throws on them, and the status is then never
 * sent (the caller waits for its deadline).
 */
export function boundedDetails(message: string): string {
  const cut =
    message.length <= MAX_DETAILS_CHARS
      ? message
      : `${message.slice(0, MAX_DETAILS_CHARS)}… (${message.length - MAX_DETAILS_CHARS} more characters)`;
  return cut.replace(LONE_SURROGATE, '\uFFFD');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Turns a client-side gRPC failure back into a domain error of the matching kind. */
export function fromGrpcError(err: ServiceError): MnemeError {
  const kind = CODE_TO_KIND.get(err.code) ?? (err.code === Status.CANCELLED ? 'aborted' : 'unavailable');
  return new MnemeError(kind, err.details || err.message, { cause: err });
}

function describeCause(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { value: String(err) };
}
