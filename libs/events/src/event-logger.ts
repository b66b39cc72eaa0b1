/**
 * Structured logging as this library needs it: a message plus fields. The same shape as
 * `Logger` from @mneme/rpc, so a service passes its logger straight in; declared here so that the
 * events adapter does not depend on the gRPC adapter.
 */
export interface EventLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const write = (level: string, message: string, fields?: Record<string, unknown>): void => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, component: 'events', message, ...fields })}\n`);
};

/**
 * The logger used when none is given: warnings and errors as JSON lines on stderr (dead-lettered
 * and retried events must never pass silently); debug and info are dropped.
 */
export const defaultEventLogger: EventLogger = Object.freeze({
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, fields?: Record<string, unknown>) => write('warn', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write('error', message, fields),
});

/** A logger that drops everything (tests that provoke failures on purpose). */
export const silentEventLogger: EventLogger = Object.freeze({
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});
