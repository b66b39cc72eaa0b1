/**
 * The logging shape the engine writes to: the same as libs/rpc's Logger, declared here so the
 * engine does not depend on the gRPC adapter. Fields carry shapes, dtypes and names, never data.
 */
export interface Logger {
  /** Detail useful when debugging (cache hits, compile times). */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Notable events (the device chosen and why). */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Degraded operation (a fallback from CUDA to CPU). */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Failures (a session run that threw). */
  error(message: string, fields?: Record<string, unknown>): void;
}

const noop = (): void => undefined;

/** A logger that drops everything; the default when no logger is given. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
