import { accept, field, reject, type Field, type FieldOptions, type ParseResult } from './field.js';

/** How to read one element of a {@link list}. */
export interface ListItem<T> {
  /** What one element looks like, plural, e.g. `host:port addresses`. */
  readonly accepts: string;
  /** Parses one trimmed, non-empty element. */
  readonly parse: (raw: string) => ParseResult<T>;
  /**
   * Writes an element back; must round-trip through `parse`.
   * @default String(value)
   */
  readonly format?: (value: T) => string;
}

/** Options for {@link list}. */
export interface ListOptions<T> extends FieldOptions {
  /** How to read each element, e.g. {@link hostPort} or {@link text}. */
  readonly item: ListItem<T>;
  /** Elements used when the variable is unset or empty; omit it to make the field optional. */
  readonly default?: readonly T[];
}

/** Elements taken as written (trimmed), e.g. topic names. */
export const text: ListItem<string> = Object.freeze({
  accepts: 'non-empty texts',
  parse: (raw: string) => accept(raw),
});

// Host: a DNS name (underscores allowed because Docker Compose service names use them), an IPv4
// address, or an IPv6 address in brackets, as Kafka and gRPC both write them.
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?):(\d+)$/;
const MAX_PORT = 65_535;

/** Network addresses written `host:port` (`kafka-0:9092`, `10.0.0.5:9092`, `[::1]:9092`). */
export const hostPort: ListItem<string> = Object.freeze({
  accepts: 'host:port addresses (e.g. kafka-0:9092)',
  parse: (raw: string): ParseResult<string> => {
    const match = HOST_PORT.exec(raw);
    if (match === null) return reject(raw.includes(':') ? 'malformed host' : 'missing :port');
    const portNumber = Number(match[2]);
    return portNumber >= 1 && portNumber <= MAX_PORT ? accept(raw) : reject(`port ${match[2]} is outside 1..65535`);
  },
});

function parseList<T>(item: ListItem<T>, raw: string): ParseResult<readonly T[]> {
  const values: T[] = [];
  const complaints: string[] = [];
  raw.split(',').forEach((part, index) => {
    const element = part.trim();
    const position = index + 1;
    if (element === '') {
      complaints.push(`item ${position} is empty`);
      return;
    }
    const parsed = item.parse(element);
    if (parsed.ok) values.push(parsed.value);
    else complaints.push(`item ${position} '${element}'${parsed.detail === undefined ? ' is not valid' : `: ${parsed.detail}`}`);
  });
  // Every bad element is named so a long broker list is fixed in one edit.
  return complaints.length === 0 ? accept(Object.freeze(values)) : reject(complaints.join('; '));
}

/**
 * A comma-separated list; elements are trimmed and each is parsed by `item`. Empty elements
 * (`a:1,,b:2`, a trailing comma) are refused because they usually mean a value went missing.
 * @example list({ env: 'MNEME_KAFKA_BROKERS', item: hostPort, doc: 'Kafka bootstrap brokers.' })
 */
export function list<T>(options: ListOptions<T> & { readonly default: readonly T[] }): Field<readonly T[]>;
export function list<T>(options: ListOptions<T>): Field<readonly T[] | undefined>;
export function list<T>(options: ListOptions<T>): Field<readonly T[] | undefined> {
  const { item } = options;
  const formatItem = item.format ?? String;
  return field<readonly T[]>({
    env: options.env,
    doc: options.doc,
    sensitive: options.sensitive,
    default: options.default,
    accepts: `a comma-separated list of ${item.accepts}`,
    format: (values) => values.map((v) => formatItem(v)).join(','),
    parse: (raw) => parseList(item, raw),
  });
}
