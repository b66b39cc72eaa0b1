/**
 * What went wrong, in terms a caller can act on. Adapters map kinds to their wire codes in one
 * place each (gRPC: libs/rpc `toGrpcStatus`); domain code never sees a wire code.
 */
export type ErrorKind =
  /** The caller sent something invalid; the message says what and how to fix it. */
  | 'invalid-argument'
  /** A named thing (model, version, memory, job) does not exist. */
  | 'not-found'
  /** The thing to create exists already. */
  | 'already-exists'
  /** The system is not in a state that allows the operation (e.g. a version not yet trained). */
  | 'failed-precondition'
  /** A concurrent change won (optimistic concurrency); retry from fresh state. */
  | 'aborted'
  /** A capacity or quota is exhausted. */
  | 'resource-exhausted'
  /** The caller did not prove who it is (no token, or a token that is invalid or expired). */
  | 'unauthenticated'
  /** The caller is known but its token lacks the scope the operation needs. */
  | 'permission-denied'
  /** A dependency is temporarily unreachable; retry later. */
  | 'unavailable'
  /** The operation ran out of time. */
  | 'deadline-exceeded'
  /** A bug or an unexpected failure: its details are logged, never sent to callers. */
  | 'internal';

/** Base class of mneme's domain errors: a kind, a message for humans, and an optional cause. */
// eslint-disable-next-line no-restricted-syntax -- the one class that extends Error
export class MnemeError extends Error {
  /** What kind of failure this is; decides the wire status. */
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.kind = kind;
  }

  /** Normalises anything thrown into a MnemeError; unknown throwables become `internal`. */
  static from(err: unknown): MnemeError {
    if (err instanceof MnemeError) return err;
    if (err instanceof Error) return new MnemeError('internal', err.message, { cause: err });
    return new MnemeError('internal', String(err), { cause: err });
  }
}

/** The caller sent invalid input. Collect every problem first, then throw once with all of them. */
export class InvalidArgumentError extends MnemeError {
  /** Each problem found, one sentence each. */
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[], options?: { cause?: unknown }) {
    const list = typeof problems === 'string' ? [problems] : [...problems];
    super('invalid-argument', list.join('; '), options);
    this.problems = list;
  }
}

/** A named thing does not exist. */
export class NotFoundError extends MnemeError {
  constructor(what: string, options?: { cause?: unknown }) {
    super('not-found', what, options);
  }
}
