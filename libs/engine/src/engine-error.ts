import { type ErrorKind, MnemeError } from '@mneme/errors';

/**
 * A failure inside the engine that is not a bad argument: a provider that cannot load
 * (`failed-precondition`), a session that ONNX Runtime rejects or a run that throws (`internal`),
 * a corrupt checkpoint (`invalid-argument` is used for those, via the same class).
 */
export class EngineError extends MnemeError {
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(kind, message, options);
  }
}
