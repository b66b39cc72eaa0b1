/** Structured logging as the rpc layer needs it: a message plus fields, one JSON object a line. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const SEVERITY: Readonly<Record<LogLevel, number>> = Object.freeze({ debug: 10, info: 20, warn: 30, error: 40 });

/**
 * A logger writing one JSON object per line to `write` (stderr by default).
 * @param component - added to every line as `component`.
 * @param level - lines below this level are dropped. @default 'info'
 */
export function jsonLogger(
  component: string,
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const emit = (lvl: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (SEVERITY[lvl] < SEVERITY[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, component, message, ...fields }));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
