import { ConfigSchemaError } from './config-error.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Field } from './field.js';
import { hostPort, list, text } from './list-field.js';
import { loadOne, refusal } from './load-one.test-util.js';

describe('list of host:port', () => {
  const brokers = list({ env: 'MNEME_KAFKA_BROKERS', item: hostPort, doc: 'd' });

  it('splits on commas and trims each element', () => {
    expectTypeOf(brokers).toEqualTypeOf<Field<readonly string[] | undefined>>();
    expect(loadOne(brokers, 'kafka-0:9092, kafka-1.kafka.svc:9093 ,10.0.0.5:19092,[::1]:9092,kafka_1:9092')).toEqual([
      'kafka-0:9092',
      'kafka-1.kafka.svc:9093',
      '10.0.0.5:19092',
      '[::1]:9092',
      'kafka_1:9092',
    ]);
    expect(loadOne(brokers, 'localhost:9092')).toEqual(['localhost:9092']);
  });

  it('is absent when unset', () => {
    expect(loadOne(brokers, undefined)).toBeUndefined();
  });

  it('names every bad element at once', () => {
    const message = refusal(brokers, 'kafka,b:9092,,c:99999,-x:1');
    expect(message).toContain(
      "MNEME_KAFKA_BROKERS='kafka,b:9092,,c:99999,-x:1' is not valid: expected a comma-separated list of host:port addresses",
    );
    expect(message).toContain("item 1 'kafka': missing :port");
    expect(message).toContain('item 3 is empty');
    expect(message).toContain("item 4 'c:99999': port 99999 is outside 1..65535");
    expect(message).toContain("item 5 '-x:1': malformed host");
    expect(message).not.toContain('item 2');
  });

  it.each(['a:0', 'a:', ':9092', 'a:9092,', 'a b:1'])('refuses %s', (bad) => {
    expect(refusal(brokers, bad)).toContain(`MNEME_KAFKA_BROKERS='${bad}' is not valid`);
  });

  it('returns a frozen array', () => {
    const value = loadOne(brokers, 'a:1');
    expect(Object.isFrozen(value)).toBe(true);
  });
});

describe('list with default', () => {
  it('applies a default list and shows it comma-joined', () => {
    const topics = list({ env: 'MNEME_TOPICS', item: text, default: ['samples', 'metrics'], doc: 'd' });
    expectTypeOf(topics).toEqualTypeOf<Field<readonly string[]>>();
    expect(topics.defaultText).toBe('samples,metrics');
    expect(loadOne(topics, undefined)).toEqual(['samples', 'metrics']);
    expect(Object.isFrozen(topics.defaultValue)).toBe(true);
    expect(loadOne(topics, 'a, b')).toEqual(['a', 'b']);
  });

  it('refuses an invalid default element when built', () => {
    expect(() => list({ env: 'MNEME_KAFKA_BROKERS', item: hostPort, default: ['kafka'], doc: 'd' })).toThrow(ConfigSchemaError);
  });
});
