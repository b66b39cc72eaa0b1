import { pino, stdTimeFunctions, type DestinationStream, type Logger as Pino } from 'pino';
import PinoPretty from 'pino-pretty';

/** Structured logging as the services need it: a message plus fields. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** pino with mneme's line shape: `{"level":"info","time":"<ISO>","component":…,"message":…,…fields}`. */
function pinoFor(component: string, level: LogLevel, destination: DestinationStream): Pino {
  return pino(
    {
      level,
      base: { component },
      messageKey: 'message',
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Our message-first signature over pino's fields-first one. */
function adapt(p: Pino): Logger {
  return {
    debug: (message, fields) => p.debug(fields ?? {}, message),
    info: (message, fields) => p.info(fields ?? {}, message),
    warn: (message, fields) => p.warn(fields ?? {}, message),
    error: (message, fields) => p.error(fields ?? {}, message),
  };
}

/**
 * A logger writing one JSON object per line (pino) to `write`, or to stderr.
 * @param component - added to every line as `component`.
 * @param level - lines below this level are dropped. @default 'info'
 */
export function jsonLogger(component: string, level: LogLevel = 'info', write?: (line: string) => void): Logger {
  // Through process.stderr (not its descriptor), so whatever wraps or captures stderr sees the lines.
  const destination: DestinationStream =
    write === undefined
      ? { write: (chunk: string) => void process.stderr.write(chunk) }
      : { write: (chunk: string) => write(chunk.replace(/\n$/, '')) };
  return adapt(pinoFor(component, level, destination));
}

/**
 * The logger of a process: human-readable lines (time, level, component, message, fields) when
 * stderr is a terminal, JSON lines otherwise (containers, pipes, log collectors).
 * @param destination - where readable lines go (stderr by default)
 */
export function processLogger(
  component: string,
  level: LogLevel = 'info',
  terminal: boolean = process.stderr.isTTY === true,
  destination: NodeJS.WritableStream = process.stderr,
): Logger {
  if (!terminal) return jsonLogger(component, level);
  const pretty = PinoPretty({
    destination,
    sync: true,
    colorize: true,
    messageKey: 'message',
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,component',
    messageFormat: '{component}: {message}',
  });
  return adapt(pinoFor(component, level, pretty));
}
